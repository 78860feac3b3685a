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

from bch.records.fields import RecordType
from bch.records.identifiers import REFERENCE_OWNER
from bch.records.languages import display
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.records.thesaurus import Thesaurus
from bch.services import derived_dump
from bch.services.errors import NotFound
from bch.services.policy import (
    ANONYMOUS,
    Principal,
    may_see_confidential,
    public_actor,
    read_scope,
)
from bch.storage.dumps import DumpRepository, DumpRow

REGISTRIES = ("modifiedOrganism", "organism", "dnaSequence", "laboratoryDetection")
FORMATS = {
    "ndjson": "application/x-ndjson",
    "ndjson.gz": "application/gzip",
    # each record with its derived rows (national nodes: bch.services.derived_dump)
    "derived.ndjson": "application/x-ndjson",
    "derived.ndjson.gz": "application/gzip",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
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
        f"no dump {name!r}: use {{schema}}.ndjson, .ndjson.gz, .derived.ndjson, "
        ".derived.ndjson.gz, or .csv/.xlsx for the registries"
    )


class ExportService:
    def __init__(self, dumps: DumpRepository, registry: RealmRegistry, thesaurus: Thesaurus):
        self.dumps = dumps
        self.registry = registry
        self.thesaurus = thesaurus

    def available(self) -> list[dict[str, Any]]:
        out = []
        for rt in self.registry.all():
            fmts = ["ndjson", "ndjson.gz"] + (["csv", "xlsx"] if rt.name in REGISTRIES else [])
            fmts += ["derived.ndjson", "derived.ndjson.gz"]
            out.append({"schema": rt.name, "realm": rt.realm, "formats": fmts})
        return out

    def open(self, name: str, principal: Principal = ANONYMOUS) -> Export:
        """Start a dump of the records the principal may read (read_scope): the snapshot and
        its sequence are taken now; rows stream later."""
        schema, fmt = parse_name(name)
        try:
            rt = self.registry.record_type(schema)
        except UnknownSchema:
            raise NotFound(f"no record type {schema!r}") from None
        if fmt in ("csv", "xlsx") and schema not in REGISTRIES:
            raise NotFound(f"{fmt} dumps exist for the registries: {', '.join(REGISTRIES)}")
        hidden = sorted(rt.confidential_fields())
        # nobody's confidential fields are visible to a principal without roles: drop them in SQL
        in_sql = bool(hidden) and not principal.roles
        derived = fmt.startswith("derived.")
        dump = self.dumps.open(
            schema,
            scope=read_scope(principal),
            without=hidden if in_sql else (),
            with_derived=derived,
        )
        meta = {
            "sequence": dump.sequence,
            "schema": schema,
            "realm": rt.realm,
            "records": dump.count,
            "format": fmt,
            "takenAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "changes": f"/api/v1/changes?since={dump.sequence}",
        }
        if derived:
            meta["derived"] = derived_dump.meta()
        rows = _rows(dump.rows, principal, [] if in_sql else hidden)
        if fmt in ("ndjson", "derived.ndjson"):
            chunks = _ndjson(meta, rows)
        elif fmt in ("ndjson.gz", "derived.ndjson.gz"):
            chunks = _gzip(_ndjson(meta, rows))
        elif fmt == "csv":
            chunks = self._csv(rt, rows)
        else:
            chunks = self._xlsx(rt, rows, meta)
        return Export(
            schema, fmt, dump.sequence, dump.count, FORMATS[fmt], f"{schema}.{fmt}", chunks
        )

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
    for summary, body in rows:  # a dump with derived rows: "derived" is the summary's last key
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


def _rows(
    rows: Iterator[DumpRow], principal: Principal, hidden: list[str]
) -> Iterator[tuple[dict[str, Any], bytes]]:
    """(summary, document JSON bytes) per record; `hidden` fields are removed here from the
    records whose confidential fields the principal may not see."""
    for r in rows:
        body = r.body
        extra = {} if r.derived is None else {"derived": r.derived}
        if hidden and not may_see_confidential(principal, r.owner):
            parsed = orjson.loads(body)
            body = orjson.dumps({k: v for k, v in parsed.items() if k not in hidden})
        yield (
            {
                "id": f"{r.realm}-{r.short_code}-{r.owner}-{r.id}-{r.latest_revision}",
                "identifier": r.identifier,
                "realm": r.realm,
                "schema": r.schema,
                "country": None if r.owner == REFERENCE_OWNER else r.owner,
                "revision": r.latest_revision,
                "createdAt": r.created_at,
                "updatedAt": r.updated_at,
                "warnings": [] if r.warnings == "[]" else orjson.loads(r.warnings),
                "publishedBy": public_actor(r.published_by) if r.published_by else None,
                **extra,
            },
            body,
        )
