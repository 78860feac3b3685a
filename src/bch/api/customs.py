"""POST /api/v1/customs/check (a shipment document against the destination's decisions) and
GET /api/v1/customs/checks/{id} (a saved check, shared by its link)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from bch.api.bodies import read_body
from bch.api.deps import Svc, parse_json
from bch.api.identity import Caller, check_csrf
from bch.api.responses import content, errors
from bch.services.customs import CheckInput
from bch.services.customs_verdicts import USES
from bch.services.errors import BadRequest, UnsupportedMedia

router = APIRouter(prefix="/api/v1", tags=["customs"])
MAX_UPLOAD = 20 * 1024 * 1024
FIELDS = ("text", "format", "destination", "uses", "save")


class CheckBody(BaseModel):
    """A shipment document as text (pasted invoice or CSV)."""

    model_config = ConfigDict(extra="forbid", title="CustomsCheck")
    text: str = Field(min_length=1, description="the document: invoice text or CSV")
    destination: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166 code, e.g. CA")
    uses: list[Literal[USES]] | None = Field(  # type: ignore[valid-type]
        None,
        description="declared uses; when absent, the document's 'intended use' line is read",
    )
    format: Literal["auto", "text", "csv"] = "auto"
    save: bool = Field(False, description="keep the answer and return a link to share it")


_MULTIPART = {
    "type": "object",
    "required": ["destination"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "PDF, CSV or text file"},
        "text": {"type": "string", "description": "or the document as text"},
        "destination": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        "uses": {"type": "string", "description": "comma-separated: food,feed,processing,..."},
        "format": {"type": "string", "enum": ["auto", "text", "csv", "pdf"]},
        "save": {"type": "string", "enum": ["true", "false", "1", "0", "on", ""]},
    },
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": CheckBody.model_json_schema()},
            "multipart/form-data": {"schema": _MULTIPART},
        },
    }
}


def _bad(path: str, message: str) -> BadRequest:
    return BadRequest(
        f"{path}: {message}",
        errors=[{"code": "Error.InvalidParameter", "path": path, "message": message}],
    )


def _json_input(body: Any) -> tuple[CheckInput, bool]:
    if not isinstance(body, dict):
        raise _bad("", "expected a JSON object {text, destination, uses, format, save}")
    for key in body:
        if key not in FIELDS:
            raise _bad(key, f"unknown member; expected {', '.join(FIELDS)}")
    for key in ("text", "destination", "format"):
        if key in body and not isinstance(body[key], str):
            raise _bad(key, "expected a string")
    if "destination" not in body:
        raise _bad("destination", "expected an ISO 3166 country code (e.g. CA)")
    if "text" not in body:
        raise _bad("text", "expected the document as text (or upload it as multipart)")
    uses = body.get("uses")
    if uses is not None and not isinstance(uses, list | str):
        raise _bad("uses", f"expected a list of uses: {', '.join(USES)}")
    save = body.get("save", False)
    if not isinstance(save, bool):
        raise _bad("save", "expected true or false")
    fmt = body.get("format", "auto")
    if fmt == "pdf":
        raise _bad("format", "a PDF is uploaded as a file (multipart/form-data)")
    return CheckInput(body["destination"], uses, text=body["text"], format=fmt), save


async def _multipart_input(request: Request, data: bytes) -> tuple[CheckInput, bool]:
    async def stream():
        yield data

    parser = MultiPartParser(
        Headers(raw=[(b"content-type", request.headers["content-type"].encode("latin-1"))]),
        stream(),
        max_files=1,
        max_fields=len(FIELDS) + 12,  # + the web form's CSRF token and use checkboxes
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise _bad("", f"a multipart/form-data body ({exc.message})") from None
    fields: dict[str, str] = {}
    upload: UploadFile | None = None
    for key, value in form.multi_items():
        if key == "file" and isinstance(value, UploadFile):
            upload = value if value.filename or value.size else upload
        elif key == "file" and isinstance(value, str) and not value:
            continue  # a browser's file input left empty
        elif key == "uses" and isinstance(value, str) and fields.get("uses"):
            fields["uses"] += "," + value  # the web form's checkboxes
        elif key in (*FIELDS, "csrf") and isinstance(value, str):
            fields[key] = value
        else:
            raise _bad(key, f"unknown part; expected file, {', '.join(FIELDS)}")
    check_csrf(request, fields.get("csrf"))  # a signed-in browser's form carries its token
    if "destination" not in fields:
        raise _bad("destination", "expected an ISO 3166 country code (e.g. CA)")
    save = fields.get("save", "").lower() in ("true", "1", "on", "yes")
    req = CheckInput(
        fields["destination"], fields.get("uses") or None, format=fields.get("format") or "auto"
    )
    data = await upload.read() if upload is not None else b""
    if data:
        req.data, req.filename = data, upload.filename if upload else None
    elif fields.get("text", "").strip():
        req.text = fields["text"]
    else:
        raise _bad("file", "expected a file part (PDF, CSV or text) or a text part")
    return req, save


async def check_input(request: Request) -> tuple[CheckInput, bool]:
    """The check's input from a JSON or a multipart/form-data body (bounded)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data = await read_body(request, MAX_UPLOAD)
    if media == "multipart/form-data":
        return await _multipart_input(request, data)
    if media in ("application/json", ""):
        if not data.strip():
            raise _bad("", "expected a JSON object {text, destination, uses, format, save}")
        return _json_input(parse_json(data))
    raise UnsupportedMedia(
        f"{media!r} is not accepted; send application/json or multipart/form-data",
        errors=[
            {
                "code": "Error.UnsupportedMedia",
                "path": "Content-Type",
                "message": "expected application/json or multipart/form-data",
            }
        ],
    )


@router.post(
    "/customs/check",
    summary="Check a shipment document (text, CSV, PDF) against the destination's decisions",
    responses={200: content("application/json"), **errors(413, 415)},
    openapi_extra=_BODY,
)
async def check(request: Request, svc: Svc, principal: Caller) -> dict[str, Any]:
    req, save = await check_input(request)
    result = svc.customs.check(req, principal)
    if save:
        ident = svc.customs.save(result)
        result = {**result, "id": ident, "link": f"/api/v1/customs/checks/{ident}"}
    return result


@router.get(
    "/customs/checks/{check_id}",
    summary="A saved shipment check (the answer as it was when saved)",
    responses=errors(404),
)
def saved_check(check_id: str, svc: Svc) -> dict[str, Any]:
    return svc.customs.saved(check_id)
