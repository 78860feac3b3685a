"""GET /api/v1/changes: the change feed (every publish and delete, tombstones included)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from bch.api.deps import services_of
from bch.api.http import next_link
from bch.api.identity import principal_of
from bch.api.params import PageSize
from bch.services.container import Services

router = APIRouter(prefix="/api/v1", tags=["changes"])
Svc = Annotated[Services, Depends(services_of)]


@router.get(
    "/changes",
    summary="Every publish and delete in sequence order; resume with `since` = previous `next`",
    description=(
        "Entries {seq, action, id, identifier, schema, realm, country, revision, at, url, "
        "tombstone?}. `next` is always given: an empty page means you are up to date; poll "
        "again later with the same token. A bulk dump's X-Change-Sequence is a valid `since`."
    ),
)
def list_changes(
    request: Request,
    svc: Svc,
    since: Annotated[
        str | None, Query(description="token from `next`, or a sequence number")
    ] = None,
    limit: PageSize = 100,
):
    page = svc.changes.page(since, limit, principal_of(request))  # entries the caller may read
    headers = {"X-Change-Sequence": str(page.sequence)}
    if len(page.items) == limit:
        headers["Link"] = next_link(request, page.next, "since")
    return JSONResponse(
        {"items": page.items, "next": page.next, "sequence": page.sequence}, headers=headers
    )
