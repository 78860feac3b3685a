"""GET /api/v1/records (list, cursor paging), /api/v1/records/{id} and its versions."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from bch.api.deps import json_body, services
from bch.api.serialize import record_json, version_json
from bch.services.container import Services
from bch.services.records import record_summary

router = APIRouter(prefix="/api/v1", tags=["records"])
Svc = Annotated[Services, Depends(services)]


@router.get("/records", summary="List and search published records")
def list_records(
    request: Request,
    svc: Svc,
    schema: str | None = None,
    realm: str | None = None,
    country: Annotated[str | None, Query(description="ISO 3166 alpha-2 code, or SCBD")] = None,
    q: Annotated[str | None, Query(description="full-text query")] = None,
    cursor: Annotated[
        str | None, Query(description="the `next` token of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
):
    page = svc.records.list(
        schema=schema, realm=realm, country=country, q=q, cursor=cursor, limit=limit
    )
    body = {"items": [record_summary(d) for d in page.items], "next": page.next, "limit": limit}
    headers = {}
    if page.next:
        params = {k: v for k, v in request.query_params.items() if k != "cursor"}
        params["cursor"] = page.next
        headers["Link"] = f'<{request.url.path}?{urlencode(params)}>; rel="next"'
    return JSONResponse(body, headers=headers)


def _etag_response(request: Request, payload: dict, etag: str) -> Response:
    tag = f'"{etag}"'
    if request.headers.get("if-none-match") in (tag, f"W/{tag}"):
        return Response(status_code=304, headers={"ETag": tag})
    return JSONResponse(payload, headers={"ETag": tag})


@router.get("/records/{record_id}", summary="A record (latest revision unless the id pins one)")
def get_record(record_id: str, request: Request, svc: Svc):
    view = svc.records.get(record_id)
    return _etag_response(request, record_json(view), view.uid)


@router.get("/records/{record_id}/versions", summary="Revision history of a record")
def list_versions(record_id: str, svc: Svc):
    doc, revs = svc.records.versions(record_id)
    return {"identifier": doc.identifier, "items": [version_json(doc, r) for r in revs]}


@router.get("/records/{record_id}/versions/{revision}", summary="One revision of a record")
def get_version(record_id: str, revision: int, request: Request, svc: Svc):
    view = svc.records.get(record_id, revision)
    return _etag_response(request, record_json(view), view.uid)


@router.post("/validate", summary="Validate a record document without storing it")
async def validate(request: Request, svc: Svc):
    document = await json_body(request)
    result = svc.records.validate(document)
    return {
        "valid": result.ok,
        "errors": [p.as_dict() for p in result.errors],
        "warnings": [p.as_dict() for p in result.warnings],
    }
