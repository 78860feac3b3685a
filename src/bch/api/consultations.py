"""Public consultations (issue 14): /api/v1/consultations, and a person's own data in
consultations and forums: /api/v1/participation/..."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from bch.api.deps import Svc, json_body
from bch.api.drafts import write_limit
from bch.api.identity import Caller, SignedIn, client_ip
from bch.api.links import answer, comment_links, consultation_links
from bch.api.params import CommentId, PageSize
from bch.api.participation_bodies import moderation
from bch.api.responses import content, errors
from bch.api.responses import json_body as body_doc
from bch.services.attachments import MEDIA_TYPES
from bch.services.consultation_pdf import consultation_pdf
from bch.services.consultations import USES
from bch.services.forms import HONEYPOT
from bch.services.policy import ANONYMOUS

router = APIRouter(prefix="/api/v1", tags=["consultations"])
PDF_MAX = 1000  # comments in the PDF (about 1 s a thousand); the CSV has them all
LANG_MAP = {"type": "object", "additionalProperties": {"type": "string"}}

_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["country", "title", "closesAt"],
    "properties": {
        "country": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        "title": LANG_MAP,
        "summary": LANG_MAP,
        "languages": {"type": "array", "items": {"type": "string"}},
        "lmo": {"type": "string"},
        "intendedUse": {"type": "string", "enum": list(USES)},
        "documents": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "attachment": {"type": "string"},
                    "url": {"type": "string"},
                    "confidential": {"type": "boolean"},
                },
            },
        },
        "opensAt": {"type": "string"},
        "closesAt": {"type": "string"},
        "moderation": {"type": "string", "enum": ["before", "after"]},
    },
}
_COMMENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text", "consent"],
    "properties": {
        "text": {"type": "string"},
        "language": {"type": "string"},
        "name": {"type": "string"},
        "email": {"type": "string", "description": "anonymous commenters: confirmed by mail"},
        "consent": {"type": "boolean", "description": "consent to publication"},
        "attachment": {"type": "string", "description": "id of a file uploaded before"},
        "formToken": {"type": "string", "description": "from GET .../form (anonymous callers)"},
        HONEYPOT: {"type": "string", "description": "must stay empty"},
    },
}
_MODERATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action"],
    "properties": {
        "action": {"type": "string", "enum": ["publish", "reject", "hide", "restore"]},
        "reason": {"type": "string"},
    },
}
_RESPOND = {
    "type": "object",
    "additionalProperties": False,
    "required": ["response"],
    "properties": {"response": LANG_MAP, "decision": {"type": "string"}},
}


@router.get("/consultations", summary="Public consultations, latest deadline first")
def list_consultations(
    svc: Svc,
    principal: Caller,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
) -> dict[str, Any]:
    return {"items": svc.consultations.list(principal, country)}


@router.post(
    "/consultations",
    status_code=201,
    summary="Open a consultation (a country's focal point or authorized user)",
    responses=answer(201, "The consultation", consultation_links()) | errors(401, 403, 404, 413),
    openapi_extra=body_doc(_CREATE),
)
async def open_consultation(request: Request, principal: SignedIn, svc: Svc) -> dict[str, Any]:
    write_limit(svc, principal)
    return svc.consultations.create(principal, await json_body(request))


@router.post(
    "/consultations/confirm/{token}",
    summary="Confirm an e-mailed comment (the link of the mail)",
    responses=errors(404, 409),
)
def confirm_comment(token: str, svc: Svc) -> dict[str, Any]:
    return svc.consultations.confirm(token)


@router.get(
    "/consultations/{consultation_id}.pdf",
    summary="A consultation with its response and its first 1,000 published comments, as PDF",
    responses={200: content("application/pdf"), **errors(404)},
    response_class=Response,
)
def consultation_as_pdf(consultation_id: str, svc: Svc) -> Response:
    c = svc.consultations.get(consultation_id)
    comments, more = svc.consultations.comments_page(consultation_id, ANONYMOUS, None, PDF_MAX)
    pdf = consultation_pdf(c, comments, more=more is not None)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="consultation-{c["id"]}.pdf"'},
    )


@router.get(
    "/consultations/{consultation_id}/comments.csv",
    summary="The published comments as CSV",
    responses={200: content("text/csv"), **errors(404)},
    response_class=Response,
)
def comments_as_csv(consultation_id: str, svc: Svc) -> Response:
    text = svc.consultations.export_csv(consultation_id)
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="comments-{consultation_id}.csv"'},
    )


@router.get(
    "/consultations/{consultation_id}",
    summary="A consultation (confidential documents withheld from the public)",
    responses=errors(404),
)
def get_consultation(consultation_id: str, svc: Svc, principal: Caller) -> dict[str, Any]:
    return svc.consultations.get(consultation_id, principal)


@router.get(
    "/consultations/{consultation_id}/form",
    summary="A signed form token to send an anonymous comment (spam defence)",
    responses=errors(404),
)
def comment_form(consultation_id: str, svc: Svc) -> dict[str, Any]:
    svc.consultations.get(consultation_id)
    return {
        "formToken": svc.form_guard.stamp(f"consultation:{consultation_id}"),
        "honeypot": HONEYPOT,
        "minSeconds": svc.form_guard.min_seconds,
    }


@router.get(
    "/consultations/{consultation_id}/comments",
    summary="Published comments (all, with their status, for the authority), a page at a time",
    responses=errors(400, 404),
)
def list_comments(
    consultation_id: str,
    svc: Svc,
    principal: Caller,
    cursor: str | None = None,
    limit: PageSize = 100,
) -> dict[str, Any]:
    items, nxt = svc.consultations.comments_page(consultation_id, principal, cursor, limit)
    return {"items": items, "next": nxt}


@router.post(
    "/consultations/{consultation_id}/comments",
    status_code=201,
    summary="Comment: signed in, or with an e-mail address confirmed by a mailed link",
    responses=answer(201, "The comment", comment_links()) | errors(400, 401, 404, 409, 413, 429),
    openapi_extra=body_doc(_COMMENT),
)
async def add_comment(
    consultation_id: str, request: Request, principal: Caller, svc: Svc
) -> dict[str, Any]:
    body = await json_body(request)
    proof = None
    if isinstance(body, dict):
        token, honeypot = body.pop("formToken", None), body.pop(HONEYPOT, None)
        if principal.is_anonymous or token is not None or honeypot:
            proof = (token, honeypot)
    return svc.consultations.comment(
        principal, consultation_id, body, client=client_ip(request), proof=proof
    )


@router.post(
    "/consultations/{consultation_id}/comments/{comment_id}/moderation",
    summary="Publish, reject, hide or restore a comment (with a reason; audited)",
    responses=errors(401, 403, 404, 409),
    openapi_extra=body_doc(_MODERATE),
)
async def moderate_comment(
    consultation_id: str, comment_id: CommentId, request: Request, principal: SignedIn, svc: Svc
) -> dict[str, Any]:
    action, reason = await moderation(request)
    return svc.consultations.moderate(principal, consultation_id, comment_id, action, reason)


@router.post(
    "/consultations/{consultation_id}/close",
    summary="Close the consultation now (the deadline closes it anyway)",
    responses=errors(401, 403, 404),
)
def close_consultation(consultation_id: str, principal: SignedIn, svc: Svc) -> dict[str, Any]:
    return svc.consultations.close(principal, consultation_id)


@router.post(
    "/consultations/{consultation_id}/response",
    summary="Publish the response summary and link the final decision record",
    responses=errors(401, 403, 404, 409),
    openapi_extra=body_doc(_RESPOND),
)
async def respond(
    consultation_id: str, request: Request, principal: SignedIn, svc: Svc
) -> dict[str, Any]:
    return svc.consultations.respond(principal, consultation_id, await json_body(request))


def _file(found) -> FileResponse:
    att, path = found
    return FileResponse(
        path, media_type=att.media_type, filename=att.name, content_disposition_type="attachment"
    )


@router.get(
    "/consultations/{consultation_id}/documents/{attachment_id}",
    summary="A document of the consultation (confidential ones: the authority only)",
    responses={200: content(*MEDIA_TYPES), **errors(404)},
)
def document(consultation_id: str, attachment_id: str, svc: Svc, principal: Caller):
    return _file(svc.consultations.document(consultation_id, attachment_id, principal))


@router.get(
    "/consultations/{consultation_id}/comments/{comment_id}/attachment",
    summary="The attachment of a published comment",
    responses={200: content(*MEDIA_TYPES), **errors(404)},
)
def comment_attachment(consultation_id: str, comment_id: CommentId, svc: Svc, principal: Caller):
    return _file(svc.consultations.comment_attachment(consultation_id, comment_id, principal))


# -- a person's own data ----------------------------------------------------------------------
@router.get(
    "/participation/my-data",
    summary="Export my comments, forum posts, subscriptions and roles (JSON)",
    responses=errors(401),
)
def my_data(principal: SignedIn, svc: Svc) -> dict[str, Any]:
    return svc.personal_data.export(principal)


@router.delete(
    "/participation/my-data",
    summary='Delete my data: comments and posts stay as by "deleted user"',
    responses=errors(401),
)
def delete_my_data(principal: SignedIn, svc: Svc) -> dict[str, Any]:
    return {"deleted": svc.personal_data.delete(principal)}


@router.get(
    "/participation/comment-links/{token}",
    summary="Export the data of an e-mailed comment (its commenter's link)",
    responses=errors(404),
)
def comment_link_data(token: str, svc: Svc) -> dict[str, Any]:
    return svc.consultations.export_by_token(token)


@router.delete(
    "/participation/comment-links/{token}",
    summary='Delete the data of an e-mailed comment (it stays as by "deleted user")',
    responses=errors(404),
)
def comment_link_delete(token: str, svc: Svc) -> dict[str, Any]:
    return {"deleted": {"comments": svc.consultations.delete_by_token(token)}}
