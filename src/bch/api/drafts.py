"""Drafts over the API: save (PUT, If-Match on updates), read, validate, discard, and publish
(directly when the caller may, otherwise as a publishing request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import JSONResponse

from bch.api.deps import Svc, json_body, optional_object
from bch.api.identity import SignedIn
from bch.api.links import draft_links, published_links, requested_links
from bch.api.request_bodies import RECORD_DOCUMENT, PublishMessage
from bch.api.responses import CONDITIONAL_WRITE, errors
from bch.api.responses import json_body as body_doc
from bch.records.identifiers import HEADER_IDENTIFIER
from bch.services.container import Services
from bch.services.drafts import draft_json
from bch.services.policy import Principal

router = APIRouter(prefix="/api/v1", tags=["drafts"])
DraftId = Annotated[
    str,
    Path(
        description="the record's header identifier",
        json_schema_extra={"pattern": HEADER_IDENTIFIER.pattern},
    ),
]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="the draft's ETag; required to replace a draft"),
]


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[ -~]{1,120}$",  # services/idempotency.py: 1-120 printable ASCII characters
        description="any unique string (e.g. a UUID): a retry with the same key gets the first "
        "answer and never writes twice (national nodes send one with every write)",
    ),
]


def write_limit(svc: Services, principal: Principal) -> None:
    svc.accounts.limiter.hit("write", principal.email or "-")


@router.get(
    "/drafts",
    summary="Drafts I may read (mine, my country's, or all for the Secretariat)",
    responses=errors(401),
)
def list_drafts(principal: SignedIn, svc: Svc):
    items = []
    for d in svc.drafts.list(principal):
        j = draft_json(d)
        j.pop("document")
        j["title"] = d.document.get("title") if isinstance(d.document.get("title"), dict) else None
        items.append(j)
    return {"items": items}


@router.get(
    "/drafts/{identifier}",
    summary="A draft (ETag = its revision)",
    responses={200: {"description": "The draft", "links": draft_links()}, **errors(401, 403, 404)},
)
def get_draft(identifier: DraftId, principal: SignedIn, svc: Svc):
    draft = svc.drafts.get(principal, identifier)
    return JSONResponse(
        draft_json(draft, svc.drafts.check(draft.document)), headers={"ETag": f'"{draft.etag}"'}
    )


@router.put(
    "/drafts/{identifier}",
    summary="Save a draft (the body is the record document); 201 when new",
    responses={
        200: {"description": "Replaced", "links": draft_links()},
        201: {"description": "Created", "links": draft_links()},
        **CONDITIONAL_WRITE,
    },
    openapi_extra=body_doc(RECORD_DOCUMENT),
)
async def put_draft(
    identifier: DraftId,
    request: Request,
    principal: SignedIn,
    svc: Svc,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
):
    write_limit(svc, principal)
    document = await json_body(request)

    def save() -> tuple[int, dict]:
        draft, created = svc.drafts.save(principal, identifier, document, if_match=if_match)
        body = draft_json(draft, svc.drafts.check(draft.document))
        return (201 if created else 200), {**body, "etag": draft.etag}

    status, body = svc.idempotency.run(principal, idempotency_key, save)
    etag = body.pop("etag", None)
    return JSONResponse(
        body,
        status_code=status,
        headers={"ETag": f'"{etag}"', "Location": f"/api/v1/drafts/{identifier}"},
    )


@router.delete(
    "/drafts/{identifier}",
    status_code=204,
    summary="Discard a draft",
    responses=errors(401, 403, 404),
)
def delete_draft(identifier: DraftId, principal: SignedIn, svc: Svc):
    write_limit(svc, principal)
    svc.drafts.discard(principal, identifier)
    return Response(status_code=204)


@router.post(
    "/drafts/{identifier}/validate",
    summary="Validate a draft for publication",
    responses=errors(401, 403, 404),
)
def validate_draft(identifier: DraftId, principal: SignedIn, svc: Svc):
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
    status_code=201,
    responses={
        201: {"description": "Published (the record's id in `id`)", "links": published_links()},
        202: {
            "description": "A publishing request was opened (its id in `requestId`)",
            "links": requested_links(),
        },
        **errors(401, 403, 404, 409, 412, 413, 422),
    },
    openapi_extra=body_doc(PublishMessage, required=False),
)
async def publish_draft(
    identifier: DraftId,
    request: Request,
    principal: SignedIn,
    svc: Svc,
    idempotency_key: IdempotencyKey = None,
):
    write_limit(svc, principal)
    body = await optional_object(request)

    def publish() -> tuple[int, dict]:
        done = svc.workflow.publish_draft(principal, identifier, message=body.get("message"))
        if done.status == "published" and done.published is not None:
            p = done.published
            return 201, {
                "status": "published",
                "id": p.uid,
                "identifier": p.identifier,
                "revision": p.revision,
                "changed": p.changed,
                "warnings": p.warnings,
                "url": f"/api/v1/records/{p.uid}",
            }
        req = done.request or {}
        return 202, {
            "status": "requested",
            "id": req.get("id"),
            "requestId": req.get("id"),
            "request": req,
        }

    status, answer = svc.idempotency.run(principal, idempotency_key, publish)
    where = answer["url"] if status == 201 else f"/api/v1/requests/{answer.get('id')}"
    return JSONResponse(answer, status_code=status, headers={"Location": where})
