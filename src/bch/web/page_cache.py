"""Anonymous HTML pages kept as rendered bytes (issue 15 items 2 and 5): a page that is a pure
function of the stored data and the language (the LMO page) is rendered once and kept in the page
cache (services/read_cache.py) until a change touches what it was made of; api/fast_reads.py
answers the next ones before routing. Each kept page carries an ETag (api/cached_pages.py), so a
browser's conditional GET costs a 304 without a body."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from fastapi import Request
from fastapi.responses import Response

from bch.api.cached_pages import kept, not_modified


def cached_page(request: Request, cache, key: Hashable, render: Callable[[], Response]) -> Response:
    """The page of `key` from `cache` (rendered by `render` on a miss), or its 304."""
    page = cache.get(key, lambda: kept(render()))
    status, headers, body = not_modified(page, request.headers.get("if-none-match")) or page
    response = Response(body, status_code=status)
    response.raw_headers = list(headers)
    return response
