"""POST /api/v1/attachments (raw body; ?name=file.pdf), GET /api/v1/attachments (mine),
GET /api/v1/attachments/{id} (the file) and DELETE /api/v1/attachments/{id}."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from bch.api.bodies import read_body
from bch.api.deps import Svc
from bch.api.drafts import write_limit
from bch.api.identity import SignedIn
from bch.api.links import answer, attachment_links
from bch.api.responses import UPLOAD, content, errors, raw_body
from bch.services.attachments import MEDIA_TYPES

router = APIRouter(prefix="/api/v1", tags=["attachments"])


@router.post(
    "/attachments",
    status_code=201,
    summary="Upload a file (type checked by content): PDF, PNG, JPEG, GIF, DOCX, XLSX, ODF, text",
    responses=answer(201, "The file's description", attachment_links()) | UPLOAD,
    openapi_extra=raw_body(
        "application/octet-stream", schema={"type": "string", "format": "binary", "minLength": 1}
    ),
)
async def upload(request: Request, principal: SignedIn, svc: Svc, name: str = "attachment"):
    write_limit(svc, principal)
    data = await read_body(request, svc.attachments.max_bytes)
    return svc.attachments.save(principal, name, data).as_dict()


@router.get(
    "/attachments", summary="The attachments I uploaded, newest first", responses=errors(401)
)
def mine(principal: SignedIn, svc: Svc):
    return {"items": [a.as_dict() for a in svc.attachments.mine(principal)]}


@router.get(
    "/attachments/{attachment_id}",
    summary="Download an attachment I uploaded (in its own media type)",
    responses={200: content(*MEDIA_TYPES), **errors(401, 403, 404)},
)
def download(attachment_id: str, principal: SignedIn, svc: Svc):
    att, path = svc.attachments.open(principal, attachment_id)
    return FileResponse(
        path,
        media_type=att.media_type,
        filename=att.name,
        content_disposition_type="attachment",
    )


@router.delete(
    "/attachments/{attachment_id}",
    status_code=204,
    summary="Delete an attachment I uploaded (identical bytes uploaded by others stay)",
    responses=errors(401, 403, 404),
)
def remove(attachment_id: str, principal: SignedIn, svc: Svc) -> Response:
    write_limit(svc, principal)
    svc.attachments.delete(principal, attachment_id)
    return Response(status_code=204)
