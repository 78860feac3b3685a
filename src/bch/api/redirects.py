"""Redirects never name the site by the request's Host header.

Starlette's own redirects (a trailing slash removed, a static folder's missing slash) build an
absolute Location from the Host the client sent, so `Host: evil.example` came back as
`Location: http://evil.example/...`. This middleware turns any Location pointing at the
request's own Host into a relative one (RFC 9110 allows it); the application's own redirects are
relative already, and redirects to other sites are left alone."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def own_netlocs(scope: Scope) -> set[str]:
    """The names Starlette may have put in an absolute URL of this request: the Host header, or
    the server address when that header is missing or not a valid host."""
    names = {value.decode("latin-1").lower() for key, value in scope["headers"] if key == b"host"}
    server = scope.get("server")
    if server:
        names |= {f"{server[0]}:{server[1]}".lower(), str(server[0]).lower()}
    return names


def relative_location(location: str, own: set[str]) -> str:
    parts = urlsplit(location)
    if not parts.netloc or parts.netloc.lower() not in own:
        return location
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def relative_headers(scope: Scope, headers) -> list:
    """A redirect's raw headers with its Location made relative when it names this site."""
    own = own_netlocs(scope)
    return [
        (
            key,
            relative_location(value.decode("latin-1"), own).encode("latin-1")
            if key.lower() == b"location"
            else value,
        )
        for key, value in headers
    ]


class RelativeRedirects:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message["headers"] = relative_headers(scope, message.get("headers", []))
            await send(message)

        await self.app(scope, receive, send_relative)
