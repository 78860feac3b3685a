"""Older revisions of records, in bulk (issue 12: a national node holds the central's whole
history of what it mirrors).

On the central, `older_revisions` pages through the revisions before each live record's latest
(the dumps and the table snapshot carry the latest only), in (documentID, revision) order, inside
a caller's read scope. On a node, `insert_older` writes such revisions of the records it holds,
below each one's latest revision and not yet here: replaying a page changes nothing, and a
revision at or after the node's latest (the change feed's business) is never written here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Text, and_, cast, or_, select, tuple_

from bch.storage.bulk import insert_tuples
from bch.storage.database import Database
from bch.storage.scope import ReadScope, scope_filter
from bch.storage.tables import documents, revisions


class OlderRevision(NamedTuple):
    """One revision before a record's latest, as the central stores it."""

    document_id: int
    identifier: str
    realm: str
    schema: str
    short_code: str
    owner: str
    revision: int
    body: str  # JSON text
    warnings: str  # JSON text
    published_at: datetime
    published_by: str


class HistoryRow(NamedTuple):
    """A revision a node writes (its values as the central gives them)."""

    document_id: int
    identifier: str
    revision: int
    body: dict[str, Any]
    hash: str
    published_at: datetime
    published_by: str
    warnings: list[dict[str, Any]]


def older_revisions(
    conn: Connection,
    scope: ReadScope,
    *,
    after: tuple[int, int] | None,
    schemas: Sequence[str] = (),
    owners: Sequence[str] = (),
    limit: int,
) -> list[OlderRevision]:
    """Up to `limit` revisions before their record's latest, of live records in `scope` (and
    of `schemas`, `owners` when given), after the (documentID, revision) `after`, in that
    order."""
    where = [revisions.c.revision < documents.c.latest_revision, scope_filter(scope)]
    if schemas:
        where.append(documents.c.schema.in_(sorted(set(schemas))))
    if owners:
        where.append(documents.c.owner.in_(sorted(set(owners))))
    if after is not None:
        d, r = after
        where.append(or_(documents.c.id > d, and_(documents.c.id == d, revisions.c.revision > r)))
    stmt = (
        select(
            documents.c.id,
            documents.c.identifier,
            documents.c.realm,
            documents.c.schema,
            documents.c.short_code,
            documents.c.owner,
            revisions.c.revision,
            cast(revisions.c.body, Text),
            cast(revisions.c.warnings, Text),
            revisions.c.created_at,
            revisions.c.created_by,
        )
        .join(revisions, revisions.c.document_id == documents.c.id)
        .where(*where)
        .order_by(documents.c.id, revisions.c.revision)
        .limit(limit)
    )
    return [OlderRevision(*r[:8], r[8] or "[]", *r[9:]) for r in conn.execute(stmt)]


class HistoryRepository:
    """The central's side: pages of older revisions, each read in one transaction."""

    def __init__(self, db: Database):
        self.db = db

    def page(
        self,
        scope: ReadScope,
        *,
        after: tuple[int, int] | None,
        schemas: Sequence[str] = (),
        owners: Sequence[str] = (),
        limit: int,
    ) -> list[OlderRevision]:
        with self.db.reading() as conn:
            return older_revisions(
                conn, scope, after=after, schemas=schemas, owners=owners, limit=limit
            )


def insert_older(conn: Connection, rows: Sequence[HistoryRow]) -> int:
    """Write the revisions among `rows` of records held here (the same documentID and
    identifier), below each one's latest revision, that are not here yet (in the caller's write
    transaction). Returns how many were written. No change is appended and the read caches are
    not told: none of their answers reads a revision before the latest (the record's answer
    and pages; /versions, /info and the history page are computed at each request)."""
    if not rows:
        return 0
    ids = sorted({r.document_id for r in rows})
    held = conn.execute(
        select(documents.c.id, documents.c.identifier, documents.c.latest_revision).where(
            documents.c.id.in_(ids)
        )
    ).all()
    latest = {(d, i): n for d, i, n in held}
    keys = [(r.document_id, r.revision) for r in rows]
    present = set(
        conn.execute(
            select(revisions.c.document_id, revisions.c.revision).where(
                tuple_(revisions.c.document_id, revisions.c.revision).in_(keys)
            )
        ).all()
    )
    new = [
        r
        for r in dict(zip(keys, rows, strict=True)).values()
        if r.revision < latest.get((r.document_id, r.identifier), 0)
        and (r.document_id, r.revision) not in present
    ]
    insert_tuples(
        conn,
        revisions,
        ("document_id", "revision", "body", "hash", "created_at", "created_by", "warnings"),
        [
            (r.document_id, r.revision, r.body, r.hash, r.published_at, r.published_by, r.warnings)
            for r in new
        ],
    )
    return len(new)
