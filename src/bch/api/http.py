"""HTTP details shared by the v1 routers: conditional GET (ETag, Last-Modified, 304), language
negotiation, and the `Link: rel=next` header."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from bch.records.languages import DEFAULT_LANGUAGE, LANGUAGES
from bch.services.errors import BadRequest


class FastJSONResponse(JSONResponse):
    """JSON rendered by orjson: the same compact UTF-8 output as Starlette's, several times faster
    on record bodies."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:  # e.g. a lone surrogate: escaped ASCII JSON instead
            return json.dumps(content, separators=(",", ":"), default=str).encode()


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified(request: Request, etag: str, modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match wins; If-Modified-Since only when there is no If-None-Match."""
    return unchanged_since(
        request.headers.get("if-none-match"),
        request.headers.get("if-modified-since"),
        etag,
        modified,
    )


def unchanged_since(inm: str | None, ims: str | None, etag: str, modified: datetime | None) -> bool:
    """`not_modified` of the raw header values (the ASGI fast path has no Request)."""
    if inm is not None:
        tags = {t.strip() for t in inm.split(",")}
        return "*" in tags or etag in tags or f"W/{etag}" in tags
    if ims and modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return modified.replace(microsecond=0) <= since
    return False


def cached_json(
    request: Request,
    payload: Any,
    etag: str,
    modified: datetime | None,
    media_type: str = "application/json",
) -> Response:
    return cached_body(request, FastJSONResponse(payload).body, etag, modified, media_type)


def cached_body(
    request: Request,
    body: bytes,
    etag: str,
    modified: datetime | None,
    media_type: str = "application/json",
) -> Response:
    """`cached_json` of a body already rendered (services/read_cache.py keeps those)."""
    tag = f'"{etag}"'
    headers = validators(etag, modified)
    if not_modified(request, tag, modified):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type=media_type)


def validators(etag: str, modified: datetime | None) -> dict[str, str]:
    """ETag, Last-Modified and Vary of a record's answer."""
    headers = {"ETag": f'"{etag}"', "Vary": "Accept, Accept-Language"}
    if modified is not None:
        headers["Last-Modified"] = http_date(modified)
    return headers


def requested_language(request: Request, lang: str | None) -> str:
    """`lang` parameter, else the best Accept-Language among the six UN languages, else en."""
    if lang:
        code = lang.strip().lower()[:2]
        if code not in LANGUAGES:
            raise BadRequest(
                f"lang {lang!r} is not one of {', '.join(LANGUAGES)}",
                errors=[{"code": "Error.InvalidParameter", "path": "lang", "message": lang[:20]}],
            )
        return code
    ranked: list[tuple[float, int, str]] = []
    header = request.headers.get("accept-language", "")
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        code = tag.strip().lower()[:2]
        if code in LANGUAGES and weight > 0:
            ranked.append((-weight, i, code))
    return sorted(ranked)[0][2] if ranked else DEFAULT_LANGUAGE


def next_link(request: Request, token: str, param: str = "cursor") -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != param]
    params.append((param, token))
    return f'<{request.url.path}?{urlencode(params)}>; rel="next"'


def wants(request: Request, fmt: str | None, name: str, media: str) -> bool:
    """True when `format=name` or the Accept header prefers `media`."""
    if fmt:
        return fmt.lower() == name
    accept = request.headers.get("accept", "")
    return media in accept and "application/json" not in accept.split(media)[0]
