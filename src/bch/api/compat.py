"""The CBD API read surface (``/api/v2013/...``): existing harvesters work by changing the host."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bch.api.bodies import read_body, too_large
from bch.api.deps import Svc, parse_json
from bch.api.identity import principal_of
from bch.api.params import Revision
from bch.api.responses import errors, raw_body
from bch.compat import documents as shapes
from bch.compat.select import MAX_ROWS, SelectService
from bch.config import MAX_QUERY_BODY_BYTES
from bch.services.errors import BadRequest

router = APIRouter(prefix="/api/v2013", tags=["CBD API compatibility (v2013)"])


def selector(request: Request) -> SelectService:
    """One select service per application (it caches index documents per revision)."""
    state = request.app.state
    if getattr(state, "compat_select", None) is None:
        state.compat_select = SelectService(state.services)
    return state.compat_select


def _query(request: Request) -> list[tuple[str, str]]:
    """The query string's parameters, refused beyond the size a request body may have."""
    if len(request.scope.get("query_string", b"")) > MAX_QUERY_BODY_BYTES:
        raise too_large(MAX_QUERY_BODY_BYTES, "the query string")
    return list(request.query_params.multi_items())


async def _form_or_json(request: Request) -> list[tuple[str, str]]:
    params = _query(request)
    raw = await read_body(request, MAX_QUERY_BODY_BYTES)
    if not raw.strip():
        return params
    if "json" in request.headers.get("content-type", ""):
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise BadRequest("the request body must be a JSON object of Solr parameters")
        for key, value in body.items():
            for v in value if isinstance(value, list) else [value]:
                params.append((key, _text(v)))
        return params
    return params + parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True)


SOLR_PARAMS: dict[str, Any] = {
    "type": "object",
    "description": "Solr parameters (repeat a parameter as a list)",
    "properties": {
        name: {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        for name in ("q", "fq", "fl", "sort", "start", "rows", "facet", "facet.field", "wt")
    },
    "additionalProperties": True,
}
SOLR_QUERY = [
    {"name": name, "in": "query", "required": False, "description": text, "schema": schema}
    for name, text, schema in (
        ("q", "Solr query over the index fields", {"type": "string"}),
        ("fq", "filter query (repeatable)", {"type": "array", "items": {"type": "string"}}),
        ("fl", "fields to return", {"type": "string"}),
        ("sort", "e.g. updatedDate_dt desc", {"type": "string"}),
        ("start", "offset", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}),
        ("rows", "page size", {"type": "integer", "minimum": 0, "maximum": MAX_ROWS}),
        ("facet", "true to count facet.field values", {"type": "string"}),
        ("facet.field", "fields to count", {"type": "array", "items": {"type": "string"}}),
        ("facet.limit", "values per facet", {"type": "integer", "maximum": 2**31 - 1}),
        ("facet.mincount", "smallest count shown", {"type": "integer", "maximum": 2**31 - 1}),
        ("wt", "the answer's format", {"type": "string", "enum": ["json"]}),
    )
]
QUERY_ERRORS = errors(413)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@router.get(
    "/index",
    summary="Solr-style search of the index (CBD v2013)",
    responses=QUERY_ERRORS,
    openapi_extra={"parameters": SOLR_QUERY},
)
@router.get(
    "/index/select",
    summary="Solr-style search of the index (CBD v2013)",
    responses=QUERY_ERRORS,
    openapi_extra={"parameters": SOLR_QUERY},
)
def index_get(request: Request) -> dict[str, Any]:
    return selector(request).select(_query(request), principal_of(request))


@router.post(
    "/index",
    summary="Solr-style search, parameters as a form or a JSON body",
    responses=QUERY_ERRORS,
    openapi_extra=raw_body(
        "application/x-www-form-urlencoded", "application/json", schema=SOLR_PARAMS, required=False
    ),
)
@router.post(
    "/index/select",
    summary="Solr-style search, parameters as a form or a JSON body",
    responses=QUERY_ERRORS,
    openapi_extra=raw_body(
        "application/x-www-form-urlencoded", "application/json", schema=SOLR_PARAMS, required=False
    ),
)
async def index_post(request: Request) -> dict[str, Any]:
    params = await _form_or_json(request)
    return await run_in_threadpool(selector(request).select, params, principal_of(request))


@router.get(
    "/documents/{identifier}",
    summary="A record's body (`?info` for its envelope)",
    responses=errors(404, 410),
)
def document(identifier: str, request: Request, svc: Svc, info: str | None = None):
    if info is not None or "info" in request.query_params:
        return shapes.record_info(svc, identifier, None)
    return shapes.record(svc, identifier, None)[2]


@router.get(
    "/documents/{identifier}/info", summary="A record's envelope", responses=errors(404, 410)
)
def document_info(identifier: str, svc: Svc):
    return shapes.record_info(svc, identifier, None)


@router.get("/documents/{identifier}/versions", summary="Revisions", responses=errors(404, 410))
def document_versions(identifier: str, svc: Svc):
    return shapes.versions(svc, identifier)


@router.get(
    "/documents/{identifier}/versions/{revision}",
    summary="One revision's body",
    responses=errors(404, 410),
)
def document_version(identifier: str, revision: Revision, request: Request, svc: Svc):
    if "info" in request.query_params:
        return shapes.record_info(svc, identifier, revision)
    return shapes.record(svc, identifier, revision)[2]


@router.get(
    "/documents/{identifier}/versions/{revision}/info",
    summary="One revision's envelope",
    responses=errors(404, 410),
)
def document_version_info(identifier: str, revision: Revision, svc: Svc):
    return shapes.record_info(svc, identifier, revision)


@router.get("/thesaurus/domains", summary="Thesaurus domains")
def thesaurus_domains(svc: Svc):
    return [shapes.domain_json(d) for d in svc.thesaurus.domains()]


@router.get(
    "/thesaurus/domains/{domain}",
    summary="A thesaurus domain (by name or identifier)",
    responses=errors(404),
)
def thesaurus_domain(domain: str, svc: Svc):
    return shapes.domain_json(shapes.domain(svc, domain))


@router.get("/thesaurus/domains/{domain}/terms", summary="Terms of a domain", responses=errors(404))
def thesaurus_terms(domain: str, svc: Svc):
    return [shapes.term_json(t) for t in shapes.domain(svc, domain).terms]


@router.get(
    "/thesaurus/terms/{term_id}",
    summary="One term (broader/narrower terms included)",
    responses=errors(404),
)
def thesaurus_term(term_id: str, svc: Svc):
    return shapes.term(svc, term_id)


@router.get("/countries", summary="Countries with names in the six languages")
def countries_list():
    return shapes.all_countries()


@router.get("/countries/{code}", summary="One country (upper-case ISO2)", responses=errors(404))
def country_one(code: str):
    return shapes.one_country(code)
