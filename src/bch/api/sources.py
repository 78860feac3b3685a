"""External databases: name resolution, matching records and detection methods of an LMO."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from bch.api.deps import Svc
from bch.api.openapi_doc import REQUIRED
from bch.api.responses import errors
from bch.services.errors import BadRequest
from bch.services.matches import detection_methods
from bch.sources.registry import SOURCE_CLASSES

router = APIRouter(prefix="/api/v1", tags=["external sources"])
_NAME = "(?:" + "|".join(s.name for s in SOURCE_CLASSES) + ")"
SOURCES_PATTERN = f"^ *{_NAME}? *(?:, *{_NAME}? *)*$"  # as split_sources() reads them


def split_sources(sources: str | None) -> list[str] | None:
    names = [s.strip() for s in (sources or "").split(",") if s.strip()]
    return names or None


@router.get("/resolve", summary="Ranked LMO candidates for any name (UID, event, trade name...)")
def resolve(
    svc: Svc,
    name: Annotated[
        str | None,
        Query(max_length=500, json_schema_extra={"pattern": r"\S", REQUIRED: True}),
    ] = None,
):
    if not name or not name.strip():
        raise BadRequest(
            "the query parameter 'name' is required",
            errors=[{"code": "Error.Mandatory", "path": "name", "message": "a name to resolve"}],
        )
    return svc.resolver.resolve(name).to_json()


@router.get("/sources", summary="The external databases and their configuration")
def list_sources(svc: Svc):
    return {"sources": svc.matches.registry.describe(), "deadlineSeconds": svc.matches.deadline}


@router.get(
    "/lmos/{uid}/matches",
    summary="Matching records of an LMO in external databases, compared with BCH decisions",
    responses=errors(404, 410),
)
async def lmo_matches(
    uid: str,
    svc: Svc,
    sources: Annotated[
        str | None,
        Query(
            description="comma-separated source names",
            json_schema_extra={"pattern": SOURCES_PATTERN},  # checked by the matches service
        ),
    ] = None,
):
    matches = await run_in_threadpool(lambda: svc.matches)
    body = await matches.matches(uid, split_sources(sources))
    return Response(orjson.dumps(body), media_type="application/json")  # large: skip the encoder


@router.get(
    "/lmos/{uid}/detection-methods",
    summary="Detection methods and reference materials",
    responses=errors(404, 410),
)
def lmo_detection_methods(uid: str, svc: Svc):
    return detection_methods(svc.matches, uid)
