"""What the consultations and forums endpoints read from a request (issue 14): a JSON object
body, and a moderation's action and reason - one reading for every moderation endpoint. A body
member the endpoint does not know is refused (400 naming it), as its documented schema says
(`additionalProperties: false`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from bch.api.deps import json_body
from bch.services.participation import reject_unknown


async def json_object(request: Request, allowed: set[str] | None = None) -> dict[str, Any]:
    """The JSON body; a body that is not an object is kept under "" (the services then name
    the missing fields). `allowed`: the members the endpoint reads, any other is refused (the
    bodies the services read whole are checked there)."""
    body = await json_body(request)
    if not isinstance(body, dict):
        return {"": body}
    return reject_unknown(body, allowed) if allowed is not None else body


async def moderation(request: Request) -> tuple[Any, Any]:
    """A moderation body's (action, reason), unchecked: the service checks them."""
    body = await json_object(request, allowed={"action", "reason"})
    return body.get("action"), body.get("reason")
