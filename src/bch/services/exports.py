"""Bulk dumps: every live record of a schema as NDJSON (optionally gzipped), and CSV/XLSX for
the registries. Each dump is read in one transaction (a consistent snapshot) and stamped with
the change sequence it was taken at: load it, then follow the change feed from that sequence.

Rows stream from the database in batches (server-side cursor on PostgreSQL), so memory stays
bounded whatever the size; XLSX goes through xlsxwriter's constant-memory mode to a temp file."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Text, cast, func, select
from sqlalchemy.dialects import postgresql

from bch.records.fields import RecordType
from bch.records.identifiers import REFERENCE_OWNER
from bch.records.languages import display
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.records.thesaurus import Thesaurus
from bch.services.errors import NotFound
from bch.services.policy import ANONYMOUS, Principal, may_see_confidential, read_scope
from bch.services.records import RecordService
from bch.storage.records import RecordRepository
from bch.storage.scope import scope_filter
from bch.storage.tables import documents, revisions

REGISTRIES = ("modifiedOrganism", "organism", "dnaSequence", "laboratoryDetection")
FORMATS = {
    "ndjson": "application/x-ndjson",
    "ndjson.gz": "application/gzip",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BATCH = 1000
CHUNK = 1 << 16


@dataclass
class Export:
    schema: str
    format: str
    sequence: int
    records: int
    media_type: str
    filename: str
    chunks: Iterator[bytes]


def parse_name(name: str) -> tuple[str, str]:
    """'modifiedOrganism.ndjson.gz' -> ('modifiedOrganism', 'ndjson.gz')."""
    for fmt in sorted(FORMATS, key=len, reverse=True):
        if name.endswith("." + fmt):
            return name[: -len(fmt) - 1], fmt
    raise NotFound(
        f"no dump {name!r}: use {{schema}}.ndjson, .ndjson.gz, or .csv/.xlsx for the registries"
    )


class ExportService:
    def __init__(
        self,
        store: RecordRepository,
        records: RecordService,
        registry: RealmRegistry,
        thesaurus: Thesaurus,
    ):
        self.store = store
        self.records = records
        self.registry = registry
        self.thesaurus = thesaurus

    def available(self) -> list[dict[str, Any]]:
        out = []
        for rt in self.registry.all():
            fmts = ["ndjson", "ndjson.gz"] + (["csv", "xlsx"] if rt.name in REGISTRIES else [])
            out.append({"schema": rt.name, "realm": rt.realm, "formats": fmts})
        return out

    def open(self, name: str, principal: Principal = ANONYMOUS) -> Export:
        """Start a dump: the snapshot and its sequence are taken now; rows stream later."""
        schema, fmt = parse_name(name)
        try:
            rt = self.registry.record_type(schema)
        except UnknownSchema:
            raise NotFound(f"no record type {schema!r}") from None
        if fmt in ("csv", "xlsx") and schema not in REGISTRIES:
            raise NotFound(f"{fmt} dumps exist for the registries: {', '.join(REGISTRIES)}")
        conn = self.store.reading()  # on SQLite a read snapshot: writers go on meanwhile
        try:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.begin()
            sequence = self.store.last_sequence(conn)  # the snapshot starts with this read
            where = [documents.c.schema == schema, scope_filter(read_scope(principal))]
            count = conn.execute(select(func.count()).where(*where)).scalar_one()
        except Exception:
            conn.close()
            raise
        meta = {
            "sequence": sequence,
            "schema": schema,
            "realm": rt.realm,
            "records": count,
            "format": fmt,
            "takenAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "changes": f"/api/v1/changes?since={sequence}",
        }
        rows = self._rows(conn, rt, principal, where)
        if fmt == "ndjson":
            chunks = _ndjson(meta, rows)
        elif fmt == "ndjson.gz":
            chunks = _gzip(_ndjson(meta, rows))
        elif fmt == "csv":
            chunks = self._csv(rt, rows)
        else:
            chunks = self._xlsx(rt, rows, meta)
        return Export(schema, fmt, sequence, count, FORMATS[fmt], f"{schema}.{fmt}", chunks)

    def _rows(
        self, conn: Connection, rt: RecordType, principal: Principal, where
    ) -> Iterator[tuple[dict[str, Any], bytes]]:
        """(summary, document JSON bytes) per record, in documentID order; closes `conn`."""
        hidden = sorted(rt.confidential_fields())
        # nobody's confidential fields are visible to a principal without roles: drop them in SQL
        in_sql = bool(hidden) and not principal.roles
        stmt = (
            select(
                documents.c.id,
                documents.c.identifier,
                documents.c.realm,
                documents.c.schema,
                documents.c.short_code,
                documents.c.owner,
                documents.c.latest_revision,
                *_timestamps(conn),
                _body(conn, hidden if in_sql else []).label("body"),
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
            result = conn.execution_options(yield_per=BATCH).execute(stmt)
            for r in result:
                body = r.body.encode() if isinstance(r.body, str) else bytes(r.body)
                if hidden and not in_sql and not may_see_confidential(principal, r.owner):
                    parsed = orjson.loads(body)
                    body = orjson.dumps({k: v for k, v in parsed.items() if k not in hidden})
                uid = f"{r.realm}-{r.short_code}-{r.owner}-{r.id}-{r.latest_revision}"
                yield (
                    {
                        "id": uid,
                        "identifier": r.identifier,
                        "realm": r.realm,
                        "schema": r.schema,
                        "country": None if r.owner == REFERENCE_OWNER else r.owner,
                        "revision": r.latest_revision,
                        "createdAt": _iso(r.created_at),
                        "updatedAt": _iso(r.updated_at),
                    },
                    body,
                )
        finally:
            conn.rollback()
            conn.close()

    # -- tabular ----------------------------------------------------------------------------------
    def _columns(self, rt: RecordType) -> list[str]:
        return [k for k, f in rt.fields.items() if not f.confidential and f.type != "object"]

    def _cells(self, rt: RecordType, columns: list[str], summary, body: bytes) -> list[Any]:
        doc = orjson.loads(body)
        row: list[Any] = [
            summary["id"],
            summary["identifier"],
            summary["revision"],
            summary["updatedAt"],
        ]
        for key in columns:
            row.append(self._cell(rt.fields[key].type, doc.get(key)))
        return row

    def _cell(self, kind: str, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, list):
            return "; ".join(str(self._cell(kind, v)) for v in value)
        if kind == "term" and isinstance(value, dict):
            term = self.thesaurus.term(str(value.get("identifier", "")))
            custom = value.get("customValue")
            return (
                display(custom, "en")
                if custom
                else (term.label("en") if term else value.get("identifier", ""))
            )
        if kind == "reference" and isinstance(value, dict):
            return value.get("identifier", "")
        if kind == "link" and isinstance(value, dict):
            return value.get("url", "")
        if isinstance(value, dict):
            return display(value, "en")
        if isinstance(value, bool):
            return "true" if value else "false"
        return value

    def _csv(self, rt: RecordType, rows) -> Iterator[bytes]:
        columns = self._columns(rt)
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["id", "identifier", "revision", "updatedAt", *columns])
        for summary, body in rows:
            writer.writerow(self._cells(rt, columns, summary, body))
            if buf.tell() > CHUNK:
                yield buf.getvalue().encode()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue().encode()

    def _xlsx(self, rt: RecordType, rows, meta: dict[str, Any]) -> Iterator[bytes]:
        import xlsxwriter

        columns = self._columns(rt)
        fd, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        try:
            book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_urls": False})
            sheet = book.add_worksheet(rt.name[:31])
            for c, name in enumerate(["id", "identifier", "revision", "updatedAt", *columns]):
                sheet.write_string(0, c, name)
            for r, (summary, body) in enumerate(rows, start=1):
                for c, value in enumerate(self._cells(rt, columns, summary, body)):
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        sheet.write_number(r, c, value)
                    else:
                        sheet.write_string(r, c, str(value)[:32767])
            info = book.add_worksheet("about")
            for r, (k, v) in enumerate(meta.items()):
                info.write_string(r, 0, k)
                info.write_string(r, 1, str(v))
            book.close()
            with open(path, "rb") as fh:
                while chunk := fh.read(CHUNK):
                    yield chunk
        finally:
            os.unlink(path)


def _ndjson(meta: dict[str, Any], rows) -> Iterator[bytes]:
    buf = bytearray(orjson.dumps({"_meta": meta}) + b"\n")
    for summary, body in rows:
        buf += orjson.dumps(summary)[:-1] + b',"document":' + body + b"}\n"
        if len(buf) > CHUNK:
            yield bytes(buf)
            buf.clear()
    yield bytes(buf)


def _gzip(chunks: Iterator[bytes]) -> Iterator[bytes]:
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = z.compress(chunk)
        if out:
            yield out
    yield z.flush()


def _body(conn: Connection, hidden: list[str]):
    """The revision body as JSON text, without the `hidden` top-level fields."""
    if not hidden:
        return cast(revisions.c.body, Text)
    if conn.dialect.name == "postgresql":
        return cast(revisions.c.body.op("-")(postgresql.array(hidden)), Text)
    return func.json_remove(revisions.c.body, *[f"$.{k}" for k in hidden])


def _timestamps(conn: Connection) -> list:
    """created_at/updated_at; on SQLite as stored text (no per-row datetime parsing)."""
    if conn.dialect.name == "sqlite":
        return [
            cast(documents.c.created_at, Text).label("created_at"),
            cast(documents.c.updated_at, Text).label("updated_at"),
        ]
    return [documents.c.created_at, documents.c.updated_at]


def _iso(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite's stored form: "YYYY-MM-DD HH:MM:SS.ffffff" in UTC
        return value.replace(" ", "T", 1) + "Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")
