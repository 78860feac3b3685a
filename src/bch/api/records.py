"""GET /api/v1/records (search, facets, cursor paging, CSV), /api/v1/records/{id} (JSON or
JSON-LD, ETag/Last-Modified), its versions and its info envelope."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from bch.api.deps import Svc, json_body, services
from bch.api.fast_reads import prepared, record_key
from bch.api.http import (
    FastJSONResponse,
    cached_body,
    cached_json,
    next_link,
    requested_language,
    wants,
)
from bch.api.identity import principal_of
from bch.api.linked_data import VOCAB_PATH, record_jsonld, vocabulary
from bch.api.params import Lang, PageSize, Revision
from bch.api.request_bodies import RECORD_DOCUMENT
from bch.api.responses import RECORD_READ, content, errors
from bch.api.responses import json_body as body_doc
from bch.api.search_params import SORT_PATTERN, filter_names, filter_parameters, query_filters
from bch.api.serialize import record_json, version_json
from bch.records.languages import display
from bch.records.realms import get_registry
from bch.services.errors import BadRequest
from bch.services.policy import public_actor
from bch.services.records import RecordView
from bch.services.search import SearchQuery
from bch.services.summaries import record_summary
from bch.storage.rows import iso_utc

router = APIRouter(prefix="/api/v1", tags=["records"])

RESERVED = {"q", "facet", "sort", "fields", "lang", "limit", "cursor", "total", "format"}
ITEM_FIELDS = (
    "id",
    "identifier",
    "realm",
    "schema",
    "country",
    "revision",
    "title",
    "displayTitle",
    "updatedAt",
    "url",
)
_KEY = "(?:" + "|".join(ITEM_FIELDS) + ")"
FIELDS_PATTERN = f"^ *{_KEY}? *(?:, *{_KEY}? *)*$"
JsonOrLd = Annotated[
    str | None,
    Query(description="json (default) or jsonld", json_schema_extra={"enum": ["json", "jsonld"]}),
]


@router.get(
    "/records",
    summary="Search published records: full text, filters, facets, sort, cursor paging",
    description=(
        "Any filterable field is a query parameter (repeat it for OR; different fields AND): "
        "realm, schema, country, region, subregion, decisionType, decisionResult, decisionScope, "
        "lmoUid, trait, organism, organismType, hasDetectionMethod, any term field; date ranges "
        "decisionDateFrom/decisionDateTo and updatedFrom/updatedTo (YYYY-MM-DD). `facet` names "
        "fields to count. Sorts: id (default without q), relevance (default with q), updatedAt, "
        "title; prefix - for descending. Pass `next` back as `cursor`. CSV with format=csv or "
        "Accept: text/csv."
    ),
    responses={200: content("application/json", "text/csv")},
    openapi_extra={"parameters": filter_parameters(get_registry())},
)
def list_records(
    request: Request,
    svc: Svc,
    q: Annotated[str | None, Query(description="full-text query (six languages)")] = None,
    facet: Annotated[
        list[str] | None,
        Query(
            description="fields to count",
            json_schema_extra={"items": {"enum": filter_names(get_registry())}},
        ),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            description="id, relevance, updatedAt, title; - for descending",
            json_schema_extra={"pattern": SORT_PATTERN},  # checked by the search service
        ),
    ] = None,
    fields: Annotated[
        str | None,
        Query(
            description="comma-separated item keys", json_schema_extra={"pattern": FIELDS_PATTERN}
        ),
    ] = None,
    lang: Lang = None,
    cursor: Annotated[
        str | None, Query(description="the `next` token of the previous page")
    ] = None,
    limit: PageSize = 50,
    total: Annotated[bool, Query(description="count the matches (time-boxed)")] = False,
    format: Annotated[
        str | None,
        Query(description="json (default) or csv", json_schema_extra={"enum": ["json", "csv"]}),
    ] = None,
):
    language = requested_language(request, lang)
    filters = query_filters(request, svc.search.filterable_fields(), RESERVED)
    selected = _selected_fields(fields)
    result = svc.search.search(
        SearchQuery(
            q=q,
            filters=filters,
            facets=list(facet or []),
            sort=sort,
            cursor=cursor,
            limit=limit,
            lang=language,
            include_total=total,
            principal=principal_of(request),
        )
    )
    items = []
    for doc in result.items:
        item = record_summary(doc)
        item["displayTitle"] = display(doc.title, language)
        items.append({k: item[k] for k in selected} if selected else item)
    headers = {"Content-Language": language}
    if result.next:
        headers["Link"] = next_link(request, result.next)
    if wants(request, format, "csv", "text/csv"):
        return Response(_csv(items), media_type="text/csv; charset=utf-8", headers=headers)
    body: dict[str, Any] = {"items": items, "next": result.next, "limit": limit}
    if total:
        body["total"] = result.total
    if facet:
        body["facets"] = {
            name: [{"value": v, "count": n} for v, n in counts]
            for name, counts in result.facets.items()
        }
    if result.timed_out:
        body["timedOut"] = result.timed_out
    return JSONResponse(body, headers=headers)


def _selected_fields(fields: str | None) -> list[str]:
    if not fields:
        return []
    names = [f.strip() for f in fields.split(",") if f.strip()]
    bad = [n for n in names if n not in ITEM_FIELDS]
    if bad:
        raise BadRequest(
            f"unknown field {bad[0]!r}",
            errors=[
                {
                    "code": "Error.InvalidParameter",
                    "path": "fields",
                    "message": "item keys: " + ", ".join(ITEM_FIELDS),
                }
            ],
        )
    return names


def _csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = list(items[0]) if items else list(ITEM_FIELDS)
    writer = csv.writer(out)
    writer.writerow(columns)
    for item in items:
        row = []
        for c in columns:
            v = item.get(c)
            if isinstance(v, dict):
                v = display(v, "en")
            row.append("" if v is None else v)
        writer.writerow(row)
    return out.getvalue()


def _record_response(request: Request, view: RecordView, fmt: str | None, lang: str | None):
    if wants(request, fmt, "jsonld", "application/ld+json"):
        payload = record_jsonld(
            view, services(request).settings.public_url, requested_language(request, lang)
        )
        return cached_json(
            request, payload, view.uid, view.revision.created_at, "application/ld+json"
        )
    return cached_json(request, record_json(view), view.uid, view.revision.created_at)


@router.get(
    "/records/{record_id}",
    summary="A record (latest revision unless the id pins one); JSON or JSON-LD",
    responses={
        200: content("application/json", "application/ld+json"),
        **RECORD_READ,
        **errors(401),
    },
)
def get_record(
    record_id: str,
    request: Request,
    svc: Svc,
    format: JsonOrLd = None,
    lang: Lang = None,
):
    principal = principal_of(request)  # confidential fields only for those allowed to see them
    if not principal.is_anonymous:
        return _record_response(
            request, svc.records.get(record_id, principal=principal), format, lang
        )
    # the hot path: anonymous answers, rendered once per change of the database (read_cache)
    jsonld = wants(request, format, "jsonld", "application/ld+json")
    language = requested_language(request, lang) if jsonld else None

    def render() -> tuple:
        view = svc.records.get(record_id, principal=principal)
        if jsonld:
            payload = record_jsonld(view, svc.settings.public_url, language)
            media = "application/ld+json"
        else:
            payload, media = record_json(view), "application/json"
        body = FastJSONResponse(payload).body
        return prepared(body, view.uid, view.revision.created_at, media)

    cached = svc.read_cache.get(record_key(record_id, language), render)
    body, etag, modified, media = cached[:4]
    return cached_body(request, body, etag, modified, media)


@router.get(
    "/records/{record_id}/info",
    summary="Who created, updated, published it, and when",
    responses=errors(404, 410),
)
def record_info(record_id: str, request: Request, svc: Svc):
    principal = principal_of(request)  # read through the caller's scope (services/policy)
    # 410 with the tombstone when deleted
    view = svc.records.get(record_id, with_links=False, principal=principal)
    doc, revs = svc.records.versions(record_id, principal)
    first, latest = revs[0], revs[-1]
    return {
        "id": f"{doc.uid_base}-{doc.latest_revision}",
        "identifier": doc.identifier,
        "realm": doc.realm,
        "schema": doc.schema,
        "country": record_summary(doc)["country"],
        "revision": view.revision.revision,
        "latestRevision": doc.latest_revision,
        "revisions": len(revs),
        "createdAt": iso_utc(doc.created_at),  # the first revision may not be here (a node)
        "createdBy": public_actor(first.created_by),
        "updatedAt": iso_utc(doc.updated_at),
        "updatedBy": public_actor(latest.created_by),
        "publishedAt": iso_utc(latest.created_at),
        "publishedBy": public_actor(latest.created_by),
        "url": f"/api/v1/records/{doc.uid_base}-{doc.latest_revision}",
    }


@router.get(
    "/records/{record_id}/provenance",
    summary="Which source gave each field of an imported record, and the other sources' values",
    responses=errors(404, 410),
)
def record_provenance(record_id: str, request: Request, svc: Svc):
    # read through the caller's scope first: a record one may not read has no provenance to see
    view = svc.records.get(record_id, with_links=False, principal=principal_of(request))
    doc = view.doc
    return {
        "id": f"{doc.uid_base}-{doc.latest_revision}",
        "identifier": doc.identifier,
        "schema": doc.schema,
        "provenance": svc.lmos.provenance_of(doc.identifier),
        "sources": svc.lmos.sources_of(doc.identifier),
    }


@router.get(
    "/records/{record_id}/versions", summary="Revision history of a record", responses=errors(404)
)
def list_versions(record_id: str, request: Request, svc: Svc):
    doc, revs = svc.records.versions(record_id, principal_of(request))
    return {"identifier": doc.identifier, "items": [version_json(doc, r) for r in revs]}


@router.get(
    "/records/{record_id}/versions/{revision}",
    summary="One revision of a record",
    responses={
        200: content("application/json", "application/ld+json"),
        **RECORD_READ,
        **errors(401),
    },
)
def get_version(
    record_id: str,
    revision: Revision,
    request: Request,
    svc: Svc,
    format: JsonOrLd = None,
    lang: Lang = None,
):
    view = svc.records.get(record_id, revision, principal=principal_of(request))
    return _record_response(request, view, format, lang)


@router.get(
    VOCAB_PATH.removeprefix("/api/v1"),
    summary="The BCH vocabulary (JSON-LD)",
    responses={200: content("application/ld+json")},
)
def get_vocabulary(svc: Svc):
    return JSONResponse(
        vocabulary(svc.registry, svc.settings.public_url), media_type="application/ld+json"
    )


@router.post(
    "/validate",
    summary="Validate a record document without storing it",
    responses=errors(413),
    openapi_extra=body_doc(RECORD_DOCUMENT),
)
async def validate(request: Request, svc: Svc):
    document = await json_body(request)
    result = svc.records.validate(document)
    return {
        "valid": result.ok,
        "errors": [p.as_dict() for p in result.errors],
        "warnings": [p.as_dict() for p in result.warnings],
    }
