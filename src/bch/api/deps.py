"""Request helpers shared by the routers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request

from bch.api.bodies import read_body
from bch.config import MAX_DOCUMENT_BYTES
from bch.services.container import Services
from bch.services.errors import BadRequest, ValidationFailed


def services(request: Request) -> Services:
    return request.app.state.services


async def services_of(request: Request) -> Services:
    """The `Depends(...)` form of `services`: a coroutine, so that FastAPI does not hand it to
    the thread pool (a thread hop per request on every endpoint, the hot path of issue 15)."""
    return request.app.state.services


#: the services, as a route's parameter type
Svc = Annotated[Services, Depends(services_of)]


async def json_body(request: Request, *, limit: int = MAX_DOCUMENT_BYTES) -> Any:
    """The request body as JSON, refused cleanly when too large (413) or not JSON (400)."""
    body = await read_body(request, limit)
    if not body.strip():
        raise BadRequest(
            "the request body is empty",
            errors=[
                {"code": "Error.InvalidJson", "path": "", "message": "expected a JSON document"}
            ],
        )
    return parse_json(body)


async def optional_object(request: Request) -> dict[str, Any]:
    """A JSON object body, or {} when the body is empty."""
    raw = await read_body(request, MAX_DOCUMENT_BYTES)
    if not raw.strip():
        return {}
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise BadRequest(
            "expected a JSON object",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": "expected an object"}],
        )
    return body


def parse_json(body: bytes) -> Any:
    """JSON without NUL characters: PostgreSQL can store none (text or jsonb), so a "\u0000"
    anywhere is refused here with its path instead of failing the write. An object naming a key
    twice is refused (422, the key and its path): parsers disagree on which value wins."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            "the request body is not valid JSON",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": str(exc)}],
        ) from None
    if isinstance(value, (dict, list)):
        _refuse_repeated_keys(body)
    where = nul_path(value) if b"\\u0000" in body else None
    if where is not None:
        raise BadRequest(
            "the request body contains a NUL character (\\u0000)",
            errors=[{"code": "Error.InvalidValue", "path": where, "message": "NUL is not text"}],
        )
    return value


class _Repeated(dict):
    """An object of the body that names `key` twice (found by `_refuse_repeated_keys`)."""

    key = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked = _Repeated(obj)
            marked.key = key
            return marked
        seen.add(key)
    return obj  # pragma: no cover - len(obj) < len(pairs) means a key repeats


def _refuse_repeated_keys(body: bytes) -> None:
    """orjson keeps the last of repeated keys silently; the standard parser shows each object's
    pairs, so a repeated key is found and named with the path of its object."""
    try:
        tree = json.loads(body, object_pairs_hook=_pairs)
    except RecursionError:  # orjson read up to 1,024 levels; this parser may tire sooner
        raise BadRequest(
            "the request body is nested too deeply",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": "nested too deeply"}],
        ) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise BadRequest(
            "the request body is not valid JSON",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": str(exc)}],
        ) from None
    found = _repeated_path(tree)
    if found is not None:
        path, key = found
        where = f"{path}.{key}" if path else key
        raise ValidationFailed(
            f"the request body names the key {key!r} twice at {where}",
            errors=[
                {
                    "code": "Error.DuplicateKey",
                    "path": where,
                    "message": f"key {key!r} appears more than once in the same object; "
                    "send each key once",
                }
            ],
        )


def _nodes(value: Any) -> Iterator[tuple[str, Any]]:
    """(path, value) of every value of a JSON tree and of every object key, depth first in
    document order, without recursion (orjson accepts 1,024 levels)."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, dict):
            children: list[tuple[str, Any]] = []
            for key, item in node.items():
                inner = f"{path}.{key}" if path else str(key)
                children += [(inner, key), (inner, item)]
        elif isinstance(node, list):
            children = [(f"{path}[{i}]", item) for i, item in enumerate(node)]
        else:
            continue
        stack.extend(reversed(children))


def _repeated_path(value: Any) -> tuple[str, str] | None:
    """(the path of the first object naming a key twice, that key), else None."""
    for path, node in _nodes(value):
        if isinstance(node, _Repeated):
            return path, node.key
    return None


def nul_path(value: Any) -> str | None:
    """The path of the first string or key holding a NUL character, else None."""
    for path, node in _nodes(value):
        if isinstance(node, str) and "\x00" in node:
            return path
    return None
