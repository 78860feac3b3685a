"""Request bodies read in a bounded way, one helper for every endpoint that takes a body.

`read_body(request, limit)` refuses a declared Content-Length over the limit before reading a
byte, counts the bytes as they arrive and stops reading as soon as they pass the limit (chunked
transfer, or a Content-Length that lies), so no request holds more than `limit` bytes in memory
or keeps the server parsing. Over the limit: 413 in the uniform error shape, naming the limit."""

from __future__ import annotations

from fastapi import Request

from bch.services.errors import PayloadTooLarge
from bch.services.numbers import is_ascii_number

_CACHE = "bch_body"  # request.state key: the body, once read


async def read_body(request: Request, limit: int) -> bytes:
    """The whole request body, at most `limit` bytes (413 PayloadTooLarge beyond)."""
    cached = getattr(request.state, _CACHE, None)
    if cached is not None:
        return cached
    declared = request.headers.get("content-length")
    if declared is not None and is_ascii_number(declared.strip()):
        digits = declared.strip().lstrip("0")
        if len(digits) > len(str(limit)) or int(digits or "0") > limit:
            raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise too_large(limit)
    data = bytes(body)
    setattr(request.state, _CACHE, data)
    return data


def too_large(limit: int, what: str = "the request body") -> PayloadTooLarge:
    message = f"{what} is larger than {limit:,} bytes"
    return PayloadTooLarge(
        message,
        errors=[
            {"code": "Error.PayloadTooLarge", "path": "", "message": f"limit is {limit:,} bytes"}
        ],
        limit=limit,
    )
