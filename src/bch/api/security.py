"""Security headers on every answer: a Content-Security-Policy that names no external host,
frame options, referrer policy and no MIME sniffing. Pages meant to be embedded elsewhere
(widgets, embeds, oEmbed) stay frameable: FRAMEABLE_PREFIXES, extended by BCH_FRAMEABLE_PATHS
(comma-separated path prefixes). A header a route sets itself is kept."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FRAMEABLE_PREFIXES: list[str] = ["/widgets", "/embed", "/oembed", "/en/embed", "/share/embed"]
# paths answered without a Content-Security-Policy (none: /docs loads its own local assets)
NO_CSP_PREFIXES: tuple[str, ...] = ()
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)


def frameable(path: str, extra: tuple[str, ...] = ()) -> bool:
    """`extra`: BCH_FRAMEABLE_PATHS (Settings.frameable_paths)."""
    if path.startswith((*FRAMEABLE_PREFIXES, *extra)):
        return True
    # /{lang}/embed/... and /{lang}/widgets/... pages of the web interface
    parts = path.split("/", 3)
    return len(parts) > 2 and len(parts[1]) == 2 and parts[2] in ("embed", "widgets")


def headers_for(path: str, frameable_paths: tuple[str, ...] = ()) -> dict[str, str]:
    out = {
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
    }
    if frameable(path, frameable_paths):
        ancestors = "frame-ancestors *"
    else:
        ancestors = "frame-ancestors 'none'"
        out["x-frame-options"] = "DENY"
    if not path.startswith(NO_CSP_PREFIXES):
        out["content-security-policy"] = f"{CSP}; {ancestors}"
    return out


def _raw(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())


class SecurityHeaders:
    """Adds `headers_for(path)`; the two sets it can give (frameable or not) are encoded once,
    not per request (issue 15 item 2: a cached read costs tens of microseconds)."""

    def __init__(self, app: ASGIApp, frameable_paths: tuple[str, ...] = ()):
        self.app = app
        self.frameable_paths = frameable_paths

    def _wanted(self, path: str) -> tuple[tuple[bytes, bytes], ...]:
        return wanted(path, self.frameable_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._wanted(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_security(message.get("headers", ()), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


_FRAMEABLE = _raw(headers_for(FRAMEABLE_PREFIXES[0]))
_NOT_FRAMEABLE = _raw(headers_for("/"))


def wanted(path: str, frameable_paths: tuple[str, ...] = ()) -> tuple[tuple[bytes, bytes], ...]:
    """The raw security headers of an answer at `path` (the two usual sets encoded once)."""
    if NO_CSP_PREFIXES and path.startswith(NO_CSP_PREFIXES):
        return _raw(headers_for(path, frameable_paths))
    return _FRAMEABLE if frameable(path, frameable_paths) else _NOT_FRAMEABLE


def with_security(headers, wanted_headers: tuple[tuple[bytes, bytes], ...]) -> list:
    """`headers` (raw) and those of `wanted_headers` the answer does not set itself."""
    raw = list(headers)
    present = {k.lower() for k, _ in raw}
    raw.extend(h for h in wanted_headers if h[0] not in present)
    return raw
