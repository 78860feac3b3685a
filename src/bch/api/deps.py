"""Request helpers shared by the routers."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from bch.config import MAX_DOCUMENT_BYTES
from bch.services.container import Services
from bch.services.errors import BadRequest, ServiceError


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payloadTooLarge"


def services(request: Request) -> Services:
    return request.app.state.services


async def json_body(request: Request) -> Any:
    """The request body as JSON, refused cleanly when too large or not JSON."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_DOCUMENT_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise _too_large()
    if not body.strip():
        raise BadRequest(
            "the request body is empty",
            errors=[
                {"code": "Error.InvalidJson", "path": "", "message": "expected a JSON document"}
            ],
        )
    try:
        return orjson.loads(bytes(body))
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            "the request body is not valid JSON",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": str(exc)}],
        ) from None


def _too_large() -> PayloadTooLarge:
    limit = MAX_DOCUMENT_BYTES
    return PayloadTooLarge(
        f"the document is larger than {limit} bytes",
        errors=[
            {"code": "Error.PayloadTooLarge", "path": "", "message": f"limit is {limit} bytes"}
        ],
    )
