"""Requests at the ASGI level, byte for byte: what a hostile or broken client can send and the
test client cannot (it re-encodes header values as UTF-8 and always sends a true Content-Length).

`raw_request(app, "GET", "/api/v1/records", headers=[(b"user-agent", b"Caf\\xe9")])` sends the
header bytes unchanged; `body` is a list of chunks (chunked transfer when no Content-Length header
is given), and `declared_length` sets a Content-Length that may lie about them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import orjson


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    chunks_read: int = 0  # how many body chunks the application asked for
    extra: dict = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.decode("latin-1").lower() == name.lower():
                return value.decode("latin-1")
        return None

    def json(self):
        return orjson.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def raw_request(
    app,
    method: str,
    path: str,
    *,
    query: bytes | str = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    body: list[bytes] | None = None,
    declared_length: int | None = None,
    host: bytes = b"testserver",
) -> RawResponse:
    """One request to `app`; the answer once the application has finished."""
    if isinstance(query, str):
        query = query.encode("latin-1")
    chunks = list(body or [])
    sent_headers = [(b"host", host), *(headers or [])]
    if declared_length is not None:
        sent_headers.append((b"content-length", str(declared_length).encode()))
    elif chunks:
        sent_headers.append((b"transfer-encoding", b"chunked"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8"),
        "root_path": "",
        "query_string": query,
        "headers": sent_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    out = RawResponse(0, [], b"")

    async def receive():
        if out.chunks_read < len(chunks):
            out.chunks_read += 1
            return {
                "type": "http.request",
                "body": chunks[out.chunks_read - 1],
                "more_body": out.chunks_read < len(chunks),
            }
        if out.chunks_read == len(chunks) and not chunks:
            out.chunks_read += 1
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client waits for the answer; never disconnects first
        return {"type": "http.disconnect"}

    parts: list[bytes] = []

    async def send(message):
        if message["type"] == "http.response.start":
            out.status = message["status"]
            out.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    async def run():
        await app(scope, receive, send)

    asyncio.run(run())
    out.body = b"".join(parts)
    return out
