"""Drafts over the API: save (PUT, If-Match on updates), read, validate, discard, and publish
(directly when the caller may, otherwise as a publishing request)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse

from bch.api.bodies import read_body
from bch.api.deps import json_body, parse_json, services
from bch.api.identity import SignedIn
from bch.config import MAX_DOCUMENT_BYTES
from bch.services.container import Services
from bch.services.drafts import draft_json
from bch.services.errors import BadRequest
from bch.services.policy import Principal

router = APIRouter(prefix="/api/v1", tags=["drafts"])
Svc = Annotated[Services, Depends(services)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def write_limit(svc: Services, principal: Principal) -> None:
    svc.accounts.limiter.hit("write", principal.email or "-")


async def optional_object(request: Request) -> dict[str, Any]:
    """A JSON object body, or {} when the body is empty."""
    raw = await read_body(request, MAX_DOCUMENT_BYTES)
    if not raw.strip():
        return {}
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise BadRequest("expected a JSON object")
    return body


@router.get("/drafts", summary="Drafts I may read (mine, my country's, or all for the Secretariat)")
def list_drafts(principal: SignedIn, svc: Svc):
    items = []
    for d in svc.drafts.list(principal):
        j = draft_json(d)
        j.pop("document")
        j["title"] = d.document.get("title") if isinstance(d.document.get("title"), dict) else None
        items.append(j)
    return {"items": items}


@router.get("/drafts/{identifier}", summary="A draft (ETag = its revision)")
def get_draft(identifier: str, principal: SignedIn, svc: Svc):
    draft = svc.drafts.get(principal, identifier)
    return JSONResponse(
        draft_json(draft, svc.drafts.check(draft.document)), headers={"ETag": f'"{draft.etag}"'}
    )


@router.put("/drafts/{identifier}", summary="Save a draft (the body is the record document)")
async def put_draft(
    identifier: str, request: Request, principal: SignedIn, svc: Svc, if_match: IfMatch = None
):
    write_limit(svc, principal)
    document = await json_body(request)
    draft, created = svc.drafts.save(principal, identifier, document, if_match=if_match)
    return JSONResponse(
        draft_json(draft, svc.drafts.check(draft.document)),
        status_code=201 if created else 200,
        headers={"ETag": f'"{draft.etag}"', "Location": f"/api/v1/drafts/{identifier}"},
    )


@router.delete("/drafts/{identifier}", status_code=204, summary="Discard a draft")
def delete_draft(identifier: str, principal: SignedIn, svc: Svc):
    write_limit(svc, principal)
    svc.drafts.discard(principal, identifier)
    return Response(status_code=204)


@router.post("/drafts/{identifier}/validate", summary="Validate a draft for publication")
def validate_draft(identifier: str, principal: SignedIn, svc: Svc):
    draft = svc.drafts.get(principal, identifier)
    result = svc.drafts.check(draft.document)
    return {
        "identifier": identifier,
        "revision": draft.revision,
        "valid": result.ok,
        "errors": [p.as_dict() for p in result.errors],
        "warnings": [p.as_dict() for p in result.warnings],
    }


@router.post(
    "/drafts/{identifier}/publish",
    summary="Publish (201) when I may, otherwise open a publishing request (202)",
)
async def publish_draft(identifier: str, request: Request, principal: SignedIn, svc: Svc):
    write_limit(svc, principal)
    body = await optional_object(request)
    done = svc.workflow.publish_draft(principal, identifier, message=body.get("message"))
    if done.status == "published" and done.published is not None:
        p = done.published
        return JSONResponse(
            {
                "status": "published",
                "id": p.uid,
                "identifier": p.identifier,
                "revision": p.revision,
                "changed": p.changed,
                "warnings": p.warnings,
                "url": f"/api/v1/records/{p.uid}",
            },
            status_code=201,
            headers={"Location": f"/api/v1/records/{p.uid}"},
        )
    req = done.request or {}
    return JSONResponse(
        {"status": "requested", "id": req.get("id"), "requestId": req.get("id"), "request": req},
        status_code=202,
        headers={"Location": f"/api/v1/requests/{req.get('id')}"},
    )
