"""The query parameters of GET /api/v1/records as the OpenAPI document states them: every
filterable field (a repeatable parameter), the date ranges, the sort and facet names. The route
reads the filters from the query string itself (any filterable field, found at run time), so
they are declared here, from the same names the search service accepts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request

from bch.records.realms import RealmRegistry
from bch.services.errors import BadRequest
from bch.services.facets import term_fields
from bch.services.search import NAMED, RANGES, SORTS

SORT_PATTERN = "^[-+]?(" + "|".join(SORTS) + ")$"
# filters whose values the schema can state exactly
EXACT: dict[str, dict[str, Any]] = {
    "hasDetectionMethod": {"type": "string", "enum": ["true", "false"]},
}


def filter_names(registry: RealmRegistry) -> list[str]:
    return sorted(set(NAMED) | term_fields(registry.all()))


def filter_parameters(registry: RealmRegistry) -> list[dict[str, Any]]:
    schemas = sorted({rt.name for rt in registry.all()})
    realms = sorted({rt.realm for rt in registry.all()})
    exact = {
        **EXACT,
        "schema": {"type": "string", "enum": schemas},
        "realm": {"type": "string", "enum": realms + [r.lower() for r in realms]},
    }
    params = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": f"filter on {name} (repeat for OR)",
            "schema": {"type": "array", "items": exact.get(name, {"type": "string"})},
            "style": "form",
            "explode": True,
        }
        for name in filter_names(registry)
    ]
    params += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": f"{column} {op} this day (YYYY-MM-DD)",
            "schema": {"type": "string", "format": "date"},
        }
        for name, (column, op) in RANGES.items()
    ]
    return params


def query_filters(
    request: Request, filterable: Iterable[str], reserved: Iterable[str]
) -> dict[str, list[str]]:
    """The filters of a search request's query string (every parameter that is not one of
    `reserved`, repeated ones ORed): GET /api/v1/records and the Atom feed read them alike.
    A parameter that is no filter is a 400 naming it and the filters there are."""
    skip = set(reserved)
    filters: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key in skip or key.startswith("_"):
            continue
        # no stored value holds a NUL (PostgreSQL compares no text with one): such a filter
        # value matches nothing, as U+FFFD (never in an identifier, a code or a term) does
        filters.setdefault(key, []).append(value.replace("\x00", "\ufffd"))
    allowed = set(filterable) | set(RANGES)
    unknown = sorted(k for k in filters if k not in allowed)
    if unknown:
        raise BadRequest(
            f"unknown parameter {unknown[0]!r}",
            errors=[
                {
                    "code": "Error.InvalidParameter",
                    "path": k,
                    "message": "not a filter; filters: " + ", ".join(sorted(allowed)),
                }
                for k in unknown
            ],
        )
    return filters
