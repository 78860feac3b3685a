"""GET /api/v1/export/{schema}.ndjson[.gz|.csv|.xlsx]: bulk dumps stamped with a change sequence."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from bch.api.deps import Svc
from bch.api.identity import principal_of
from bch.api.responses import content, errors

router = APIRouter(prefix="/api/v1", tags=["exports"])


@router.get("/export", summary="The dumps on offer")
def list_exports(svc: Svc):
    items = []
    for entry in svc.exports.available():
        urls = {f: f"/api/v1/export/{entry['schema']}.{f}" for f in entry["formats"]}
        items.append({**entry, "urls": urls})
    return {"items": items}


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
