"""National registers (issue 12 item 5): preview and import a register file (CSV, XLSX, JSON)
mapped to records, for a national user of the mapping's country (multipart/form-data).

Parts: ``file`` (the register), ``mapping`` (a shipped mapping's name, e.g. ``ca_cfia``, or the
TOML text of a mapping) or ``mappingFile`` (a TOML file). The import goes through the publishing
workflow: the focal point's rows are published, an authorized user's become publishing
requests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from bch.api.bodies import read_body
from bch.api.deps import services
from bch.api.identity import Caller, check_csrf
from bch.api.responses import errors
from bch.services.container import Services
from bch.services.errors import BadRequest, UnsupportedMedia

router = APIRouter(prefix="/api/v1", tags=["registers"])
Svc = Annotated[Services, Depends(services)]
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


async def register_upload(request: Request) -> tuple[str, str, bytes]:
    """(mapping text or name, file name, file bytes) of a multipart body; 4xx naming the part."""
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
        max_fields=4,
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
        elif key in ("mapping", "csrf") and isinstance(value, str):
            fields[key] = value
        elif key in ("file", "mappingFile") and value == "":
            continue
        else:
            raise _bad(key, "unknown part; expected file, mapping or mappingFile")
    check_csrf(request, fields.get("csrf"))
    upload = uploads.get("file")
    raw = await upload.read() if upload is not None else b""
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
    return mapping, upload.filename or "register" if upload else "register", raw


@router.post(
    "/registers/preview",
    summary="Preview the import of a national register file: each row's status and problems",
    responses=errors(401, 403, 413, 415),
    openapi_extra=_BODY,
)
async def preview(request: Request, svc: Svc, principal: Caller) -> dict[str, Any]:
    spec, name, raw = await register_upload(request)
    m = svc.registers.mapping(spec)
    report = await run_in_threadpool(svc.registers.preview, m, name, raw, principal)
    return report.as_json()


@router.post(
    "/registers/import",
    summary="Import a national register file through the publishing workflow (idempotent)",
    responses=errors(401, 403, 413, 415),
    openapi_extra=_BODY,
)
async def import_register(request: Request, svc: Svc, principal: Caller) -> dict[str, Any]:
    spec, name, raw = await register_upload(request)
    m = svc.registers.mapping(spec)
    report = await run_in_threadpool(
        lambda: svc.registers.import_rows(m, name, raw, principal=principal)
    )
    return report.as_json()
