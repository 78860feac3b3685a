"""The client's address, as every part of the application sees it (`scope["client"]`, hence
`request.client.host`): the TCP peer, or - only when that peer is a trusted proxy - the address
the proxy forwarded in X-Forwarded-For (the right-most hop that is not itself a trusted proxy),
and the scheme of X-Forwarded-Proto. Rate limits and the sign-in back-off key on it.

BCH_FORWARDED_ALLOW_IPS: comma-separated addresses or networks of the trusted proxies
(e.g. "10.0.0.5,10.1.0.0/16"); "*" trusts every peer (only when nothing but the proxy can reach
the server); "none" trusts nobody. Default 127.0.0.1, a proxy on the same machine.

The work is uvicorn's ProxyHeadersMiddleware (a dependency already); `bch serve` turns uvicorn's
own proxy-header handling off so this setting is the only one."""

from __future__ import annotations

import os

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

DEFAULT_TRUSTED = "127.0.0.1"


def trusted_proxies() -> list[str]:
    raw = os.environ.get("BCH_FORWARDED_ALLOW_IPS", DEFAULT_TRUSTED).strip()
    if raw.lower() in ("", "none", "off"):
        return []
    return [p.strip() for p in raw.split(",") if p.strip()]


def install_forwarded(app: FastAPI) -> None:
    """Take the client's address from a trusted proxy's headers (add before the middlewares
    that read it, so that it runs first)."""
    trusted = trusted_proxies()
    if trusted:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)


def peer(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"
