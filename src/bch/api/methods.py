"""HTTP methods as RFC 9110 wants them: HEAD wherever GET is served, and a 405 whose `Allow`
header names every method the path serves (Starlette names only those of the first route that
matched the path, so PUT /api/v1/records/{id} said `Allow: GET` although DELETE is served)."""

from __future__ import annotations

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """HEAD is answered as GET without the body (same status and headers)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the body is dropped; the last message ends the answer
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(routes, scope: Scope) -> list[str]:
    """Every method some route serves at this request's path (HEAD with GET)."""
    served = {
        method
        for method in ORDER
        for route in routes
        if route.matches({**scope, "method": method})[0] == Match.FULL
    }
    if "GET" in served:
        served.add("HEAD")
    return [m for m in ORDER if m in served]
