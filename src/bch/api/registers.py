"""National registers (issue 12 item 5): preview and import a register file (CSV, XLSX, JSON)
mapped to records, for a national user of the mapping's country (multipart/form-data).

Parts: ``file`` (the register), ``mapping`` (a shipped mapping's name, e.g. ``ca_cfia``, or the
TOML text of a mapping) or ``mappingFile`` (a TOML file). The import goes through the publishing
workflow: the focal point's rows are published, an authorized user's become publishing
requests."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from bch.api.bodies import read_body
from bch.api.deps import Svc
from bch.api.identity import Caller, check_csrf
from bch.api.responses import errors
from bch.services.container import Services
from bch.services.errors import BadRequest, UnsupportedMedia

router = APIRouter(prefix="/api/v1", tags=["registers"])
MAX_UPLOAD = 20 * 1024 * 1024
_MULTIPART = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "CSV, XLSX or JSON"},
        "mapping": {"type": "string", "description": "a shipped mapping's name or TOML text"},
        "mappingFile": {"type": "string", "format": "binary", "description": "a TOML mapping"},
    },
}
_BODY = {"requestBody": {"required": True,
                         "content": {"multipart/form-data": {"schema": _MULTIPART}}}}  # fmt: skip


def _bad(path: str, message: str) -> BadRequest:
    return BadRequest(message, errors=[{"code": "Error.InvalidValue", "path": path,
                                        "message": message}])  # fmt: skip


@dataclass
class Upload:
    mapping: str  # a shipped mapping's name or TOML text
    filename: str
    data: bytes
    action: str  # the web page's step: preview | import


async def register_upload(request: Request) -> Upload:
    """The parts of a multipart body; 4xx naming the part. The web page's confirmation sends
    the previewed file back as `fileData` (base64) and `fileName`."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "multipart/form-data":
        raise UnsupportedMedia(
            f"{media or 'no content type'!r} is not accepted; send multipart/form-data",
            errors=[
                {
                    "code": "Error.UnsupportedMedia",
                    "path": "Content-Type",
                    "message": "expected multipart/form-data",
                }
            ],  # fmt: skip
        )
    data = await read_body(request, MAX_UPLOAD)

    async def stream():
        yield data

    parser = MultiPartParser(
        Headers(raw=[(b"content-type", request.headers["content-type"].encode("latin-1"))]),
        stream(),
        max_files=2,
        max_fields=8,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise _bad("", f"a multipart/form-data body ({exc.message})") from None
    fields: dict[str, str] = {}
    uploads: dict[str, UploadFile] = {}
    for key, value in form.multi_items():
        if key in ("file", "mappingFile") and isinstance(value, UploadFile):
            uploads[key] = value
        elif key in ("mapping", "csrf", "action", "fileData", "fileName") and isinstance(
            value, str
        ):
            fields[key] = value
        elif key in ("file", "mappingFile") and value == "":
            continue
        else:
            raise _bad(key, "unknown part; expected file, mapping or mappingFile")
    if len(fields.get("fileData", "")) > MAX_UPLOAD * 2:
        raise _bad("fileData", "too large")
    check_csrf(request, fields.get("csrf"))
    upload = uploads.get("file")
    raw = await upload.read() if upload is not None else b""
    name = (upload.filename if upload is not None else None) or fields.get("fileName") or ""
    if not raw and fields.get("fileData"):
        try:
            raw = base64.b64decode(fields["fileData"], validate=True)
        except binascii.Error:
            raise _bad("fileData", "expected the register file in base64") from None
    if not raw:
        raise _bad("file", "expected the register file (CSV, XLSX or JSON) in the part 'file'")
    mapping = fields.get("mapping", "").strip()
    if "mappingFile" in uploads:
        try:
            mapping = (await uploads["mappingFile"].read()).decode("utf-8")
        except UnicodeDecodeError:
            raise _bad("mappingFile", "expected a UTF-8 TOML file") from None
    if not mapping:
        raise _bad("mapping", "expected a shipped mapping's name (e.g. ca_cfia) or a TOML mapping")
    return Upload(mapping, name or "register", raw, fields.get("action") or "preview")


async def run_upload(request: Request, svc: Services, principal, *, write: bool | None = None):
    """Read the upload and preview or import it (`write` None: as the upload's `action` says);
    the report. Shared by the API and the web page."""
    up = await register_upload(request)
    m = svc.registers.mapping(up.mapping)
    if write is None:
        write = up.action == "import"
    if write:
        report = await run_in_threadpool(
            lambda: svc.registers.import_rows(m, up.filename, up.data, principal=principal)
        )
    else:
        report = await run_in_threadpool(svc.registers.preview, m, up.filename, up.data, principal)
    return up, report


@router.post(
    "/registers/preview",
    summary="Preview the import of a national register file: each row's status and problems",
    responses=errors(401, 403, 413, 415),
    openapi_extra=_BODY,
)
async def preview(request: Request, svc: Svc, principal: Caller) -> dict[str, Any]:
    return (await run_upload(request, svc, principal, write=False))[1].as_json()


@router.post(
    "/registers/import",
    summary="Import a national register file through the publishing workflow (idempotent)",
    responses=errors(401, 403, 413, 415),
    openapi_extra=_BODY,
)
async def import_register(request: Request, svc: Svc, principal: Caller) -> dict[str, Any]:
    return (await run_upload(request, svc, principal, write=True))[1].as_json()
