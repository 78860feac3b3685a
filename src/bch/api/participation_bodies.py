"""What the consultations and forums endpoints read from a request (issue 14): a JSON object
body, and a moderation's action and reason - one reading for every moderation endpoint."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from bch.api.deps import json_body


async def json_object(request: Request) -> dict[str, Any]:
    """The JSON body; a body that is not an object is kept under "" (the services then name
    the missing fields)."""
    body = await json_body(request)
    return body if isinstance(body, dict) else {"": body}


async def moderation(request: Request) -> tuple[Any, Any]:
    """A moderation body's (action, reason), unchecked: the service checks them."""
    body = await json_object(request)
    return body.get("action"), body.get("reason")
