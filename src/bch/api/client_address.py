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

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def install_forwarded(app: FastAPI, trusted: tuple[str, ...]) -> None:
    """Take the client's address from a trusted proxy's headers (add before the middlewares
    that read it, so that it runs first). `trusted`: Settings.forwarded_allow_ips."""
    if trusted:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted))


def peer(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"
