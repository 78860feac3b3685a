"""What each kind of operation really answers, written once and shared by the routers' `responses=`
(the OpenAPI document is what generated clients are built from: tests/api/test_openapi_fuzz.py
checks every answer against it).

Every error has the uniform shape of api/errors.py (`ErrorBody`). Two rules hold for every
operation and are added by api/openapi_doc.py rather than repeated here: 400 where a request
has parameters or a body (bad parameters are 400, never FastAPI's 422), and 429 on the
rate-limited paths (api/conventions.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorItem(BaseModel):
    code: str = Field(
        description="Error.Mandatory, Error.InvalidParameter, Error.UnexpectedTerm, ..."
    )
    path: str = Field(description="where: a parameter name or a field path (traits[2].identifier)")
    message: str


class ErrorBody(BaseModel):
    """The uniform error shape. Some errors add a member: `tombstone` (410), `retryAfter` (429),
    `limit` (413)."""

    model_config = ConfigDict(extra="allow", title="Error")

    statusCode: int  # noqa: N815 - the wire name
    code: str = Field(description="notFound, invalidParameter, gone, preconditionFailed, ...")
    message: str
    errors: list[ErrorItem]


WHY = {
    400: "Bad parameter or body: `errors` names each problem and the expected form",
    401: "No or bad credentials (Authorization: Bearer <token>)",
    403: "Signed in, but not allowed to do this",
    404: "Nothing by that name",
    409: "Conflicts with the current state (already pending, already decided, exists already)",
    410: "Deleted: the tombstone (id, schema, time, reason) is in `tombstone`",
    412: "If-Match is stale: someone changed it meanwhile; nothing was changed",
    413: "The request body is larger than the limit named in `limit`",
    415: "The content is not of an accepted type",
    422: "The record document is not valid: `errors` lists each problem with its field path",
    428: "Updating an existing draft needs If-Match (its ETag)",
    429: "Too many requests: retry after `Retry-After` seconds",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "integer", "minimum": 1},
        "required": True,
    }
}


def errors(*codes: int, media: str = "application/json") -> dict[int | str, dict[str, Any]]:
    """Documented error answers with the uniform error body (as JSON, or in `media`)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {"description": WHY[code]}
        if media == "application/json":
            entry["model"] = ErrorBody
        else:
            entry["content"] = {media: {"schema": {"type": "string"}}}
        if code == 429:
            entry["headers"] = RETRY_AFTER
        out[code] = entry
    return out


def content(*media: str, description: str = "OK") -> dict[str, Any]:
    """A success answer in these media types (the first is the default)."""
    return {"description": description, "content": {m: {"schema": _schema_of(m)} for m in media}}


def _schema_of(media: str) -> dict[str, Any]:
    if media.endswith("json"):
        return {}
    if media in ("application/gzip", "application/pdf") or media.startswith(
        ("application/vnd.", "image/", "application/octet-stream")
    ):
        return {"type": "string", "format": "binary"}
    return {"type": "string"}


def page_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Errors of an HTML page: an error page, or the uniform JSON error for a bad parameter
    refused before the page is built."""
    return {
        code: {
            "description": WHY[code],
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}},
            },
        }
        for code in codes
    }


NOT_MODIFIED = {304: {"description": "Not modified (If-None-Match / If-Modified-Since)"}}

# kinds of operation
PUBLIC_READ = errors(404)
RECORD_READ = {**NOT_MODIFIED, **errors(404, 410)}
SIGNED_IN = errors(401, 403)
SIGNED_IN_ITEM = errors(401, 403, 404)
WRITE = errors(401, 403, 404, 409, 413)
CONDITIONAL_WRITE = errors(401, 403, 404, 409, 412, 413, 422, 428)
UPLOAD = errors(401, 403, 413, 415)
ACCOUNT_FORM = errors(401, 403, 409, 413)


def json_body(model: type[BaseModel] | dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` documenting a JSON request body that a route reads itself (bounded, with
    its own errors: api/deps.json_body)."""
    schema = model if isinstance(model, dict) else model.model_json_schema()
    return {
        "requestBody": {"required": required, "content": {"application/json": {"schema": schema}}}
    }


def raw_body(*media: str, schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {
        "requestBody": {"required": required, "content": {m: {"schema": schema} for m in media}}
    }
