"""The hot read path (issue 15 item 2), in plain ASGI: an anonymous GET of a record's JSON, of an
LMO's JSON (by UID, as asked for) or of an LMO page whose answer the read cache (or the page
cache) already holds (services/read_cache.py) is sent from here, before the middlewares and
FastAPI's routing over ~300 routes, its dependency solving and its thread pool.

Only what the routes themselves would answer from the cache is answered here, with the same
bytes and headers: no Authorization header, no session cookie (a signed-in reader may see
confidential fields: always the full path), no query string and no JSON-LD in Accept (those
take the full path too). The cache checks the change sequence and the anonymous read scope on
every look-up, so a write through any process is seen at once.

It sits outside every middleware (`app.FastReadsApp` puts it there) and does for the requests
it answers what they do, with the same code and in the same order of headers: the client's
address from a trusted proxy (api/client_address.py), the rate limit (api/conventions.py: it is
taken here for every anonymous request it looks at, and the middleware is told so instead of
taking it again), CORS on public reads, the security headers (api/security.py), a redirect's
relative Location (api/redirects.py), the request id, the metrics and the log line
(api/observability.py). Folding the five layers into one saves their frames and header lists
(a cached GET costs tens of microseconds). A miss, and anything else, goes on to the
middlewares and the route, which renders the answer and remembers it."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bch.api.cached_pages import not_modified as page_not_modified
from bch.api.client_address import peer
from bch.api.conventions import CORS_READ, RATE_TAKEN, anonymous_wait, is_rate_limited
from bch.api.http import unchanged_since, validators
from bch.api.identity import SESSION_COOKIE
from bch.api.observability import request_id_of
from bch.api.redirects import relative_headers
from bch.api.security import wanted, with_security
from bch.records.languages import LANGUAGES

log = logging.getLogger(__name__)
RECORDS = "/api/v1/records/"
LMOS = "/api/v1/lmos/"
JSON = b"application/json"
#: cookies that change an LMO page (the session's reader, the external panels opened at once)
PAGE_COOKIES = (SESSION_COOKIE.encode(), b"bch_external")


def record_key(record_id: str, language: str | None) -> tuple:
    """The read cache's key of an anonymous record answer (api/records.py)."""
    return ("record", record_id, language)


def prepared(body: bytes, etag: str, modified: datetime | None, media: str) -> tuple:
    """A record answer as the read cache keeps it: the body, its validators, and the raw
    headers of its 304 and of its 200 (built once, not per request)."""
    validating = [(k.lower().encode(), v.encode()) for k, v in validators(etag, modified).items()]
    full = [  # in the order of the route's answer (Starlette: length, then type)
        *validating,
        (b"content-length", str(len(body)).encode()),
        (b"content-type", media.encode()),
    ]
    return body, etag, modified, media, validating, full


def lmo_key(uid: str) -> tuple:
    """The read cache's key of an anonymous LMO's JSON (api/lmos.py), the UID as asked for."""
    return ("lmo", uid)


def prepared_json(body: bytes) -> tuple[bytes, tuple]:
    """A JSON answer without validators as the read cache keeps it: the body and the raw
    headers the route's answer has (Starlette: length, then type)."""
    return body, ((b"content-length", str(len(body)).encode()), (b"content-type", JSON))


def lmo_page_key(lang: str, uid: str, auto_external: bool, query: str) -> tuple:
    """The read cache's key of an anonymous LMO page (web/lmo_page.py)."""
    return ("lmo-page", lang, uid, auto_external, query)


class _Route:
    """What the request log and metrics name the route (api/observability.py reads .path)."""

    def __init__(self, path: str):
        self.path = path


RECORD_ROUTE, LMO_ROUTE = _Route("/api/v1/records/{record_id}"), _Route("/{lang}/lmos/{uid}")
LMO_JSON_ROUTE = _Route("/api/v1/lmos/{uid}")


async def _nothing(scope, receive, send) -> None:
    """The app under the proxy-headers step: it only rewrites the scope's client."""


class FastReads:
    """`app`: the middlewares and the routes; `state`: the app's state once it is built
    (the rate limiter and its exempt addresses, the metrics' Recorder)."""

    def __init__(self, app, services, state):
        self.app = app
        self.cache = services.read_cache
        self.pages = services.page_cache
        self.node_mode = services.node.enabled  # a node's pages carry its sync banner
        settings = services.settings
        self.frameable_paths = settings.frameable_paths
        trusted = settings.forwarded_allow_ips
        self.proxy = ProxyHeadersMiddleware(_nothing, list(trusted)) if trusted else None
        self.limiter = getattr(state, "rate_limiter", None)
        self.exempt = getattr(state, "rate_exempt", None)
        self.recorder = state.recorder

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["query_string"]:
            return await self.app(scope, receive, send)
        path = scope["path"]
        if not _candidate(path):
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        if self.proxy is not None:  # the same rewrite the middleware makes (idempotent)
            await self.proxy(scope, receive, send)
        public = is_rate_limited(path)
        if public and self.limiter is not None and not _has_token(scope):
            wait = anonymous_wait(self.limiter, self.exempt, peer(scope))
            scope[RATE_TAKEN] = wait  # the middleware answers the 429, or lets it through
            if wait > 0:
                return await self.app(scope, receive, send)
        found = self._lookup(scope, path)
        if found is None:
            return await self.app(scope, receive, send)
        status, headers, body = found
        if public:
            headers.extend(CORS_READ)
        headers = with_security(headers, wanted(path, self.frameable_paths))
        if 300 <= status < 400:
            headers = relative_headers(scope, headers)
        rid = request_id_of(scope)
        headers.append((b"x-request-id", rid.encode()))
        failed = False
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        except BaseException:
            failed = True
            raise
        finally:
            self.recorder.done(scope, status, time.perf_counter() - start, failed, rid)

    def _lookup(self, scope, path: str) -> tuple[int, list, bytes] | None:
        if path.startswith(RECORDS):
            record_id = path[len(RECORDS) :]
            if record_id and "/" not in record_id:
                return self._record(scope, record_id)
            return None
        if path.startswith(LMOS):
            uid = path[len(LMOS) :]
            if uid and "/" not in uid:
                return self._lmo_json(scope, uid)
            return None
        parts = path.split("/")  # "", lang, "lmos", uid
        if len(parts) == 4 and parts[2] == "lmos" and parts[1] in LANGUAGES and parts[3]:
            return self._lmo_page(scope, parts[1], parts[3])
        return None

    def _record(self, scope, record_id: str) -> tuple[int, list, bytes] | None:
        inm = ims = None
        for name, value in scope["headers"]:
            if name == b"authorization" or (name == b"cookie" and SESSION_COOKIE.encode() in value):
                return None
            if name == b"accept" and b"application/ld+json" in value:
                return None
            if name == b"if-none-match":
                inm = value.decode("latin-1")
            elif name == b"if-modified-since":
                ims = value.decode("latin-1")
        cached = self._peek(record_key(record_id, None), self.cache)
        if cached is None:
            return None
        body, etag, modified, _, validating, full = cached
        scope["route"] = RECORD_ROUTE
        if (inm or ims) and unchanged_since(inm, ims, f'"{etag}"', modified):
            return 304, list(validating), b""
        return 200, list(full), body

    def _lmo_json(self, scope, uid: str) -> tuple[int, list, bytes] | None:
        for name, value in scope["headers"]:
            if name == b"authorization" or (name == b"cookie" and SESSION_COOKIE.encode() in value):
                return None
        cached = self._peek(lmo_key(uid), self.cache)
        if cached is None:
            return None
        scope["route"] = LMO_JSON_ROUTE
        body, headers = cached
        return 200, list(headers), body

    def _lmo_page(self, scope, lang: str, uid: str) -> tuple[int, list, bytes] | None:
        if self.node_mode:
            return None
        inm = None
        for name, value in scope["headers"]:
            if name == b"authorization" or (
                name == b"cookie" and any(c in value for c in PAGE_COOKIES)
            ):
                return None
            if name == b"if-none-match":
                inm = value.decode("latin-1")
        cached = self._peek(lmo_page_key(lang, uid, False, ""), self.pages)
        if cached is None:
            return None
        scope["route"] = LMO_ROUTE
        # the page (its ETag's 304 when the reader has it), or the redirect to the canonical UID's
        status, headers, body = page_not_modified(cached, inm) or cached
        return status, list(headers), body

    def _peek(self, key: tuple, cache) -> Any | None:
        try:
            return cache.peek(key)
        except Exception:  # noqa: BLE001 - the database does not answer: the route says why
            log.debug("read cache look-up failed", exc_info=True)
            return None


def _candidate(path: str) -> bool:
    """Whether `path` is one the fast path may answer (its look-up says whether it does)."""
    if path.startswith((RECORDS, LMOS)):
        return True
    parts = path.split("/", 4)  # "", lang, "lmos", uid
    return len(parts) == 4 and parts[2] == "lmos" and parts[1] in LANGUAGES


def _has_token(scope) -> bool:
    """An Authorization header: the rate limit may key on its API token (the middleware)."""
    return any(name == b"authorization" for name, _ in scope["headers"])
