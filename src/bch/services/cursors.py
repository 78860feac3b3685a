"""Opaque keyset cursors: base64url JSON that callers hand back unchanged."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from bch.services.errors import BadRequest


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad_cursor(token) from None
    if not isinstance(value, dict):
        raise bad_cursor(token)
    return value


def bad_cursor(token: str | None) -> BadRequest:
    """A cursor this server did not give out: a 400 naming the parameter."""
    shown = repr((token or "")[:40])
    return BadRequest(
        f"cursor {shown} is not a cursor this server gave out",
        errors=[
            {
                "code": "Error.InvalidParameter",
                "path": "cursor",
                "message": "pass back the `next` token of the previous page",
            }
        ],
    )
