"""Bulk dumps: every live record of a schema in the caller's scope, streamed from one consistent
snapshot in documentID order (server-side cursor on PostgreSQL), with the change sequence the
snapshot was taken at. The document bodies stay JSON bytes from the database to the response.
A dump `with_derived` also carries each record's derived rows, read in the same snapshot
(bch.storage.derived_rows: what a national node's bootstrap inserts as they are)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import Connection, Text, cast, func, select

from bch.storage.database import Database
from bch.storage.derived_rows import derived_rows
from bch.storage.scope import ReadScope, scope_filter
from bch.storage.sequence import last_sequence
from bch.storage.tables import documents, revisions

BATCH = 1000  # rows fetched at a time


class DumpRow(NamedTuple):
    """One record of a dump (a NamedTuple: built once per row of a million-row stream)."""

    id: int
    identifier: str
    realm: str
    schema: str
    short_code: str
    owner: str
    latest_revision: int
    created_at: str | None  # ISO 8601 UTC with Z
    updated_at: str | None
    body: bytes  # the revision's JSON, without the fields the dump leaves out
    warnings: str = "[]"  # the revision's validation warnings (JSON), computed at its publish
    derived: dict[str, Any] | None = None  # its derived rows (a dump `with_derived`)
    published_by: str | None = None  # who published the revision (the account, as stored)


@dataclass
class Dump:
    """An open dump: its snapshot's sequence and record count, and its rows (read once; reading
    them to the end, or `close()`, ends the snapshot)."""

    sequence: int
    count: int
    rows: Iterator[DumpRow]
    _conn: Connection

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        self._conn.close()  # a stream never started holds the snapshot too


class DumpRepository:
    def __init__(self, db: Database):
        self.db = db

    def open(
        self,
        schema: str,
        *,
        scope: ReadScope,
        without: Sequence[str] = (),
        with_derived: bool = False,
    ) -> Dump:
        """Take the snapshot now (its sequence and count); the rows stream later. `without`:
        top-level fields removed from every body in SQL. `with_derived`: each row with its
        derived rows (DumpRow.derived)."""
        conn = self.db.snapshot()  # on SQLite a read snapshot: writers go on meanwhile
        try:
            sequence = last_sequence(conn)  # the snapshot starts with this read
            where = (documents.c.schema == schema, scope_filter(scope))
            count = conn.execute(select(func.count()).where(*where)).scalar_one()
        except BaseException:
            conn.close()
            raise
        return Dump(sequence, count, self._rows(conn, where, without, with_derived), conn)

    def _rows(
        self, conn: Connection, where, without: Sequence[str], with_derived: bool
    ) -> Iterator[DumpRow]:
        dialect = self.db.dialect
        body = (
            dialect.json_without(revisions.c.body, without)
            if without
            else cast(revisions.c.body, Text)
        )
        stmt = (
            select(
                documents.c.id,
                documents.c.identifier,
                documents.c.realm,
                documents.c.schema,
                documents.c.short_code,
                documents.c.owner,
                documents.c.latest_revision,
                dialect.stored_time(documents.c.created_at),
                dialect.stored_time(documents.c.updated_at),
                body.label("body"),
                cast(revisions.c.warnings, Text),
                revisions.c.created_by,
            )
            .join(
                revisions,
                (revisions.c.document_id == documents.c.id)
                & (revisions.c.revision == documents.c.latest_revision),
            )
            .where(*where)
            .order_by(documents.c.id)
        )
        try:
            rows = self._plain_rows(conn, stmt)
            if not with_derived:
                yield from rows
                return
            while batch := list(islice(rows, BATCH)):  # derived rows in the same snapshot
                derived = derived_rows(conn, [r.id for r in batch])
                for r in batch:
                    yield r._replace(derived=derived.get(r.id))
        finally:
            conn.rollback()
            conn.close()

    @staticmethod
    def _plain_rows(conn: Connection, stmt) -> Iterator[DumpRow]:
        for r in conn.execution_options(yield_per=BATCH).execute(stmt):
            yield DumpRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                _iso(r[7]),
                _iso(r[8]),
                r[9].encode() if isinstance(r[9], str) else bytes(r[9]),
                r[10] or "[]",
                published_by=r[11],
            )


def _iso(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite's stored form: "YYYY-MM-DD HH:MM:SS.ffffff" in UTC
        return value.replace(" ", "T", 1) + "Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")
