"""The OpenAPI document, with the two answers every operation shares written in one place:

* 400 (the uniform error body) on every operation that takes parameters or a body: bad
  parameters are answered 400 by api/errors.py, so FastAPI's generated 422 "Validation Error"
  (and its HTTPValidationError schema, a shape this API never sends) is removed; 422 stays
  where a route documents it (an invalid record document) and on every operation taking a JSON
  body (an object naming a key twice: api/deps.parse_json);
* 429 with Retry-After on every path the rate limit covers (api/conventions.py)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from bch.api.conventions import is_rate_limited
from bch.api.responses import RETRY_AFTER, WHY, ErrorBody

# in a parameter's schema: the parameter is required, although the route checks its presence
# itself (to answer with its own error)
REQUIRED = "x-required"
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
FASTAPI_422 = "#/components/schemas/HTTPValidationError"
REPEATED_KEY = "The JSON body names a key twice in one object: `errors` gives the key's path"


def _error(code: int) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "description": WHY[code],
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if code == 429:
        entry["headers"] = RETRY_AFTER
    return entry


def _is_generated_422(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") == FASTAPI_422


def _can_be_malformed(operation: dict[str, Any]) -> bool:
    """A body, a query or header parameter, or a path parameter that is not any text."""
    if operation.get("requestBody"):
        return True
    for p in operation.get("parameters", []):
        schema = p.get("schema", {})
        if p.get("in") != "path" or schema.get("type") != "string" or len(schema) > 2:
            return True
    return False


def _without_null(parameter: dict[str, Any]) -> None:
    """An optional parameter is absent, never null: `anyOf [X, null]` is X (a client must not
    send `?limit=null`)."""
    schema = parameter.get("schema", {})
    options = schema.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        kept = {k: v for k, v in schema.items() if k != "anyOf"}
        parameter["schema"] = {**rest[0], **kept} if len(rest) == 1 else {**kept, "anyOf": rest}
    if parameter.get("schema", {}).pop(REQUIRED, False):
        parameter["required"] = True


def shared_answers(doc: dict[str, Any]) -> dict[str, Any]:
    for path, item in doc.get("paths", {}).items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                _without_null(parameter)
            responses = operation.setdefault("responses", {})
            if "422" in responses and _is_generated_422(responses["422"]):
                del responses["422"]
            if _can_be_malformed(operation):
                responses.setdefault("400", _error(400))
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                responses.setdefault("422", {**_error(422), "description": REPEATED_KEY})
            if is_rate_limited(path):
                responses.setdefault("429", _error(429))
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    if "ErrorBody" not in schemas:
        model = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(model.pop("$defs", {}))
        schemas["ErrorBody"] = model
    return doc


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = shared_answers(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    tags=app.openapi_tags,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
