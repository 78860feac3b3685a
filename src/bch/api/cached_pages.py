"""Anonymous HTML pages as the page cache keeps them (issue 15): status, raw headers and body,
a 200 with a strong ETag (a hash of its bytes), so that a reader's conditional GET is answered
with a 304 and no body, by the route (web/page_cache.py) or by the fast path (api/fast_reads.py)
alike."""

from __future__ import annotations

import hashlib

from fastapi.responses import Response

from bch.api.http import unchanged_since

Kept = tuple[int, list[tuple[bytes, bytes]], bytes]  # status, raw headers, body


def page_etag(body: bytes) -> str:
    """The strong ETag of a page's bytes (quoted)."""
    return '"p' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def kept(response: Response) -> Kept:
    """A rendered page as the page cache keeps it: a 200 gets its ETag header."""
    headers = [(k, v) for k, v in response.raw_headers if k != b"etag"]
    if response.status_code == 200:
        headers.append((b"etag", page_etag(response.body).encode()))
    return response.status_code, headers, response.body


def not_modified(page: Kept, if_none_match: str | None) -> Kept | None:
    """The 304 of a kept 200 page whose ETag the request already holds, else None."""
    status, headers, _ = page
    if status != 200 or not if_none_match:
        return None
    etag = next((v for k, v in headers if k == b"etag"), None)
    if etag is None or not unchanged_since(if_none_match, None, etag.decode(), None):
        return None
    return 304, [(b"etag", etag)], b""
