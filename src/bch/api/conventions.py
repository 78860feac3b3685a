"""API conventions applied to the whole application: CORS on public reads, per-client rate
limits (429 + Retry-After), and the interactive docs served from local assets (no CDN).

Both middlewares are plain ASGI (no per-request task overhead, streaming bodies untouched)."""

from __future__ import annotations

import math

import anyio
import orjson
from fastapi import FastAPI

from bch.api.client_address import install_forwarded, peer
from bch.api.docs_page import install_docs
from bch.api.errors import error_body
from bch.services.credentials import digest
from bch.services.ratelimit import Exempt, TokenBucket, public_limiter
from bch.services.token_cache import ValidTokens
from bch.settings import Settings

PUBLIC_PREFIXES = ("/api/", "/oai", "/widgets.js", "/oembed", "/embed/bch.js")
# read-only endpoints that accept POST (OAI-PMH, CBD index queries)
READ_POSTS = ("/oai", "/api/v2013/index")
EXPOSED = (
    "ETag, Last-Modified, Link, X-Change-Sequence, X-Record-Count, Retry-After, Content-Language"
)
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Type, If-None-Match, If-Modified-Since"
#: the CORS headers of every public read's answer, encoded once
CORS_READ = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", EXPOSED.encode()),
)


def _is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


def is_rate_limited(path: str) -> bool:
    """Whether requests to `path` count against a rate-limit bucket (429 + Retry-After)."""
    return _is_public(path)


def _cors_methods(path: str) -> tuple[str, ...]:
    return (
        ("GET", "HEAD", "POST", "OPTIONS")
        if path.startswith(READ_POSTS)
        else (
            "GET",
            "HEAD",
            "OPTIONS",
        )
    )


def _header(scope, name: bytes) -> str | None:
    """One request header, decoded as ISO-8859-1 (the HTTP default: any byte decodes; a client's
    non-UTF-8 User-Agent or cookie must not turn into a 500)."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class CorsMiddleware:
    """Access-Control-Allow-Origin: * on public reads (GET/HEAD, and POST to read-only query
    endpoints) and their preflights; nothing on write endpoints."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not _is_public(scope["path"]):
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        allowed = _cors_methods(path)
        requested = (
            _header(scope, b"access-control-request-method") if method == "OPTIONS" else None
        )
        if requested is not None:
            if requested.upper() not in allowed:
                return await self.app(scope, receive, send)
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": [
                        (b"access-control-allow-origin", b"*"),
                        (b"access-control-allow-methods", ", ".join(allowed).encode()),
                        (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
                        (b"access-control-max-age", b"86400"),
                        (b"vary", b"Origin"),
                    ],
                }
            )
            return await send({"type": "http.response.body", "body": b""})
        if method not in allowed:
            return await self.app(scope, receive, send)

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *CORS_READ]
            await send(message)

        return await self.app(scope, receive, send_with_cors)


RateLimiter = TokenBucket  # the per-process bucket (services/ratelimit.py)


def limiter_for(setting: tuple[float, int] | None) -> TokenBucket | None:
    """BCH_RATE_LIMIT="RATE,BURST" (requests/second, burst size; Settings.rate_limit); "off"
    or "0" (None) disables. Default 50 requests/s with bursts of 1000 per client. `bch serve`
    uses the services' limiter instead (shared by its processes: Services.public_limiter)."""
    return public_limiter(setting)


class RateLimitMiddleware:
    """One bucket per client: a valid API token has its own; anonymous requests and unknown,
    revoked or malformed tokens count against the client's address (api/client_address.py), so
    that sending a random token per request gains nothing. Validity comes from a small
    in-process cache (accounts/token_cache.py); a token not known there costs its address one
    request first, then one indexed read, outside the event loop."""

    def __init__(
        self, app, limiter, tokens: ValidTokens | None = None, exempt: Exempt | None = None
    ):
        self.app = app
        self.limiter = limiter  # take(key) -> seconds to wait (services/ratelimit.py)
        self.tokens = tokens
        self.exempt = exempt

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not _is_public(scope["path"]):
            return await self.app(scope, receive, send)
        taken = scope.get(RATE_TAKEN)  # counted already, before the middlewares (fast_reads)
        if taken is not None:
            if taken <= 0:
                return await self.app(scope, receive, send)
            return await _too_many(send, taken)
        address = peer(scope)
        if self.exempt is not None and self.exempt.match(address):  # BCH_RATE_EXEMPT_IPS
            return await self.app(scope, receive, send)
        key = "ip:" + address
        token = _bearer_digest(scope) if self.tokens is not None else None
        if token is not None:
            valid = self.tokens.known(token)
            if valid is None:  # the address pays for the look-up, then the token is known
                wait = self.limiter.take(key)
                if wait > 0:
                    return await _too_many(send, wait)
                await anyio.to_thread.run_sync(self.tokens.check, token)
                return await self.app(scope, receive, send)
            if valid:
                key = "token:" + token
        wait = self.limiter.take(key)
        if wait <= 0:
            return await self.app(scope, receive, send)
        return await _too_many(send, wait)


#: a scope key: the wait an anonymous request's rate limit gave (api/fast_reads.py took it)
RATE_TAKEN = "bch.rate_wait"


def anonymous_wait(limiter, exempt: Exempt | None, address: str) -> float:
    """What RateLimitMiddleware takes for a request without an API token: seconds to wait."""
    if exempt is not None and exempt.match(address):  # BCH_RATE_EXEMPT_IPS
        return 0.0
    return limiter.take("ip:" + address)


async def _too_many(send, wait: float) -> None:
    seconds = max(1, math.ceil(wait))
    body = orjson.dumps(
        error_body(
            429,
            "tooManyRequests",
            f"rate limit exceeded: retry after {seconds} s",
            [{"code": "Error.RateLimited", "path": "", "message": "slow down"}],
        )
    )
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(seconds).encode()),
                (b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", EXPOSED.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _bearer_digest(scope) -> str | None:
    """The stored digest of the token in the Authorization header (`Bearer <token>`, as
    api/identity.py reads it), if there is one."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return digest(token) if kind.lower() in ("bearer", "ticket") and token else None
    return None


def install_conventions(app: FastAPI, settings: Settings) -> None:
    """CORS, rate limits (from BCH_RATE_LIMIT, per client address or valid API token, the
    address forwarded by a trusted proxy: BCH_FORWARDED_ALLOW_IPS) and the local docs page."""
    services = getattr(app.state, "services", None)
    # the services' limiter is shared by the server's processes (BCH_REDIS_URL, BCH_WORKERS)
    limiter = services.public_limiter if services is not None else limiter_for(settings.rate_limit)
    exempt = Exempt(settings.rate_exempt_ips) if settings.rate_exempt_ips else None
    if limiter is not None:
        tokens = services.accounts.valid_tokens if services is not None else None
        app.add_middleware(RateLimitMiddleware, limiter=limiter, tokens=tokens, exempt=exempt)
    install_forwarded(
        app, settings.forwarded_allow_ips
    )  # outside the rate limit: it sees the forwarded client address
    app.add_middleware(CorsMiddleware)  # outermost: 429s and errors carry CORS too
    app.state.rate_limiter, app.state.rate_exempt = limiter, exempt
    install_docs(app)
