"""Request helpers shared by the routers."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request

from bch.api.bodies import read_body
from bch.config import MAX_DOCUMENT_BYTES
from bch.services.container import Services
from bch.services.errors import BadRequest


def services(request: Request) -> Services:
    return request.app.state.services


async def json_body(request: Request, *, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    """The request body as JSON, refused cleanly when too large (413) or not JSON (400)."""
    body = await read_body(request, limit)
    if not body.strip():
        raise BadRequest(
            "the request body is empty",
            errors=[
                {"code": "Error.InvalidJson", "path": "", "message": "expected a JSON document"}
            ],
        )
    return parse_json(body)


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            "the request body is not valid JSON",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": str(exc)}],
        ) from None
