"""Publishing and deletion requests: list (mine, or those I must act on), approve, reject;
record deletion (directly, or as a deletion request); the audit log (Secretariat)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from bch.api.deps import Svc, optional_object
from bch.api.drafts import write_limit
from bch.api.identity import SignedIn
from bch.api.links import answer, request_links
from bch.api.params import PageSize, RequestId
from bch.api.request_bodies import Approval, Deletion, Rejection
from bch.api.responses import errors, json_body

router = APIRouter(prefix="/api/v1", tags=["requests"])


@router.get("/requests", summary="My requests and those I must act on", responses=errors(401))
def list_requests(
    principal: SignedIn,
    svc: Svc,
    state: Annotated[str | None, Query(pattern="^(pending|approved|rejected|expired)$")] = None,
):
    return {"items": svc.workflow.list_requests(principal, state=state)}


@router.get(
    "/requests/{request_id}",
    summary="One request",
    responses=answer(200, "The request", request_links()) | errors(401, 403, 404),
)
def get_request(request_id: RequestId, principal: SignedIn, svc: Svc):
    return svc.workflow.get_request(principal, request_id)


@router.post(
    "/requests/{request_id}/approve",
    summary="Approve: publish the draft or delete",
    responses=errors(401, 403, 404, 409, 412, 413, 422),
    openapi_extra=json_body(Approval, required=False),
)
async def approve(request_id: RequestId, request: Request, principal: SignedIn, svc: Svc):
    write_limit(svc, principal)
    body = await optional_object(request)
    return svc.workflow.approve(principal, request_id, comment=body.get("comment"))


@router.post(
    "/requests/{request_id}/reject",
    summary="Reject (a reason is required)",
    responses=errors(401, 403, 404, 409, 413),
    openapi_extra=json_body(Rejection),
)
async def reject(request_id: RequestId, request: Request, principal: SignedIn, svc: Svc):
    write_limit(svc, principal)
    body = await optional_object(request)
    return svc.workflow.reject(principal, request_id, reason=body.get("reason"))


@router.delete(
    "/records/{record_id}",
    summary="Delete a record (tombstone), or open a deletion request; a reason is required",
    description="The reason comes in the body `{reason}` or as the query parameter `reason`.",
    responses={
        202: {"description": "A deletion request was opened (its id in `requestId`)"},
        **errors(401, 403, 404, 409, 410, 413),
    },
    openapi_extra=json_body(Deletion),
)
async def delete_record(
    record_id: str,
    request: Request,
    principal: SignedIn,
    svc: Svc,
    reason: Annotated[
        str | None,
        Query(description="why; or `{reason}` in the body", json_schema_extra={"pattern": r"\S"}),
    ] = None,
):
    write_limit(svc, principal)
    body = await optional_object(request)
    done = svc.workflow.delete_record(principal, record_id, reason=body.get("reason") or reason)
    if done.status == "deleted":
        return JSONResponse({"status": "deleted", "tombstone": done.tombstone}, status_code=200)
    req = done.request or {}
    return JSONResponse(
        {"status": "requested", "id": req.get("id"), "requestId": req.get("id"), "request": req},
        status_code=202,
    )


@router.get(
    "/audit", summary="The audit log, newest first (Secretariat)", responses=errors(401, 403)
)
def audit_log(
    principal: SignedIn,
    svc: Svc,
    record: str | None = None,
    cursor: str | None = None,
    limit: PageSize = 100,
):
    items, nxt = svc.audit.entries(principal, record=record, cursor=cursor, limit=limit)
    return {"items": items, "next": nxt}
