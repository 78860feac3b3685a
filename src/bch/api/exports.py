"""GET /api/v1/export/{schema}.ndjson[.gz|.csv|.xlsx]: bulk dumps stamped with a change sequence."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from bch.api.deps import Svc
from bch.api.http import FastJSONResponse
from bch.api.identity import principal_of
from bch.api.responses import content, errors
from bch.records.realms import get_registry
from bch.services.table_snapshots import Building

router = APIRouter(prefix="/api/v1", tags=["exports"])
# the lists the snapshot service reads (comma-separated, blanks and empty items ignored)
_SCHEMA = "(?:" + "|".join(sorted(t.name for t in get_registry().all())) + ")"
_COUNTRY = "[A-Za-z]{2}"
SCHEMAS_PATTERN = f"^ *{_SCHEMA}? *(?:, *{_SCHEMA}? *)*$"
COUNTRIES_PATTERN = f"^ *(?:{_COUNTRY})? *(?:, *(?:{_COUNTRY})? *)*$"
# a node's selection (bch.services.selection), as the table snapshot and older revisions take it
SchemasParam = Annotated[
    str,
    Query(
        description="record types, comma-separated (all when empty)",
        json_schema_extra={"pattern": SCHEMAS_PATTERN},
    ),
]
CountriesParam = Annotated[
    str,
    Query(
        description="ISO 3166 two-letter codes, comma-separated (all when empty)",
        json_schema_extra={"pattern": COUNTRIES_PATTERN},
    ),
]


@router.get("/export", summary="The dumps on offer")
def list_exports(svc: Svc):
    items = []
    for entry in svc.exports.available():
        urls = {f: f"/api/v1/export/{entry['schema']}.{f}" for f in entry["formats"]}
        items.append({**entry, "urls": urls})
    return {"items": items}


@router.get(
    "/export/tables.sqlite",
    summary="A SQLite file of the rows a new national node mirrors (its fast bootstrap)",
    description=(
        "The live records in scope with their current revision and derived rows (facets, "
        "texts, search index entries, UID keys, links) and the full-text index, in the tables "
        "of a node of the same version, confidential fields withheld as in the dumps; table "
        "`bch_snapshot` says what it holds (`sequence`: follow /api/v1/changes?since=N "
        "afterwards). `schemas`, `countries`: comma-separated, as `bch node init`. Built once "
        "and kept: 202 with Retry-After while it is built. Resumable (Range, If-Range with the "
        "ETag). A selection (`schemas` or `countries`) needs a signed-in caller (a node's API "
        "token): 403 for anonymous callers, who get the whole public snapshot; a caller "
        "starts at most 6 builds of selections an hour (429 with Retry-After). 404 on a "
        "central on PostgreSQL (use the dumps). docs/API.md."
    ),
    responses={
        200: content("application/vnd.sqlite3", "application/gzip"),
        202: {"description": "Being built: ask again after Retry-After seconds"},
        **errors(400, 403, 404, 429),
    },
)
def table_snapshot(
    request: Request,
    svc: Svc,
    schemas: SchemasParam = "",
    countries: CountriesParam = "",
    compress: Literal["gzip", "none"] = "none",
):
    found = svc.table_snapshots.get(principal_of(request), schemas.split(","), countries.split(","))
    if isinstance(found, Building):
        return JSONResponse(
            {"status": "building", "retryAfter": found.retry_after},
            status_code=202,
            headers={"Retry-After": str(found.retry_after)},
        )
    headers = {"X-Change-Sequence": str(found.sequence), "X-Record-Count": str(found.records)}
    if compress == "gzip":
        headers["Content-Disposition"] = 'attachment; filename="tables.sqlite.gz"'
        return StreamingResponse(
            _gzip_file(found.path), media_type="application/gzip", headers=headers
        )
    headers["Content-Disposition"] = 'attachment; filename="tables.sqlite"'
    return LargeFile(found.path, media_type="application/vnd.sqlite3", headers=headers)


class LargeFile(FileResponse):
    """A file of gigabytes: read and sent a megabyte at a time (Starlette's 64 KiB means a
    thread hop per 64 KiB)."""

    chunk_size = 1 << 20


def _gzip_file(path: Path) -> Iterator[bytes]:
    z = zlib.compressobj(1, zlib.DEFLATED, 31)  # fast: a large file, the line's time matters
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if out := z.compress(chunk):
                yield out
    yield z.flush()


@router.get(
    "/revisions",
    summary="The revisions before each record's latest, in bulk (a national node's history)",
    description=(
        "Every revision older than its record's latest, of the live records the caller may "
        "read, in (documentID, revision) order: `items` (each with `id`, `identifier`, "
        "`schema`, `country`, `revision`, `publishedAt`, `publishedBy`, `warnings`, "
        "`document`) and `next` (pass it back as `after`; null on the last page). Confidential "
        "fields withheld as in the dumps. `schemas`, `countries`: comma-separated, as "
        "`bch node init` (reference records always). docs/API.md."
    ),
    responses=errors(400),
)
def older_revisions(
    request: Request,
    svc: Svc,
    after: Annotated[
        str,
        Query(
            description="the `next` of the previous page",
            max_length=200,
            json_schema_extra={"pattern": "^[A-Za-z0-9_-]*$"},
        ),
    ] = "",
    schemas: SchemasParam = "",
    countries: CountriesParam = "",
    limit: Annotated[int, Query(ge=1, le=2000, description="revisions per page")] = 500,
):
    page = svc.older_revisions.page(
        principal_of(request),
        after=after or None,
        schemas=schemas.split(","),
        countries=countries.split(","),
        limit=limit,
    )
    return FastJSONResponse(page)  # record bodies: orjson, not FastAPI's encoder (3x faster)


@router.get(
    "/export/{name}",
    summary="Every live record of a schema, streamed; stamped with its change sequence",
    description=(
        '`{schema}.ndjson` (first line `{"_meta": {"sequence": N, ...}}`, then one record per '
        "line), `{schema}.ndjson.gz`, and `.csv` / `.xlsx` for the registries (modifiedOrganism, "
        "organism, dnaSequence, laboratoryDetection). The header X-Change-Sequence gives N: "
        "follow /api/v1/changes?since=N afterwards. `{schema}.derived.ndjson[.gz]`: each record "
        "with its derived rows (facets, texts, search index entries, UID keys, links) and "
        "`_meta.derived` {version, fingerprint}, for national nodes (docs/API.md)."
    ),
    responses={
        200: content(
            "application/x-ndjson",
            "application/gzip",
            "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        **errors(404),
    },
)
def export(name: str, request: Request, svc: Svc):
    dump = svc.exports.open(name, principal_of(request))  # the records the caller may read
    headers = {
        "X-Change-Sequence": str(dump.sequence),
        "X-Record-Count": str(dump.records),
        "Content-Disposition": f'attachment; filename="{dump.filename}"',
    }
    return StreamingResponse(dump.chunks, media_type=dump.media_type, headers=headers)
