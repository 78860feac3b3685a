"""Request helpers shared by the routers."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Request

from bch.api.bodies import read_body
from bch.config import MAX_DOCUMENT_BYTES
from bch.services.container import Services
from bch.services.errors import BadRequest


def services(request: Request) -> Services:
    return request.app.state.services


async def services_of(request: Request) -> Services:
    """The `Depends(...)` form of `services`: a coroutine, so that FastAPI does not hand it to
    the thread pool (a thread hop per request on every endpoint, the hot path of issue 15)."""
    return request.app.state.services


#: the services, as a route's parameter type
Svc = Annotated[Services, Depends(services_of)]


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


async def optional_object(request: Request) -> dict[str, Any]:
    """A JSON object body, or {} when the body is empty."""
    raw = await read_body(request, MAX_DOCUMENT_BYTES)
    if not raw.strip():
        return {}
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise BadRequest(
            "expected a JSON object",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": "expected an object"}],
        )
    return body


def parse_json(body: bytes) -> Any:
    """JSON without NUL characters: PostgreSQL can store none (text or jsonb), so a "\u0000"
    anywhere is refused here with its path instead of failing the write."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            "the request body is not valid JSON",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": str(exc)}],
        ) from None
    where = nul_path(value) if b"\\u0000" in body else None
    if where is not None:
        raise BadRequest(
            "the request body contains a NUL character (\\u0000)",
            errors=[{"code": "Error.InvalidValue", "path": where, "message": "NUL is not text"}],
        )
    return value


def nul_path(value: Any, path: str = "") -> str | None:
    """The path of the first string or key holding a NUL character, else None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                return inner
            found = nul_path(item, inner)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = nul_path(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None
