"""Request helpers shared by the routers."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Annotated, Any

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
    twice is refused (422, the key and its path): parsers disagree on which value wins.

    One parse: the standard parser with an `object_pairs_hook` that builds each object and marks
    one naming a key twice, held to orjson's rules (what the API answered before): UTF-8 only,
    no NaN or Infinity, no number too large for a double, no lone surrogate, integers beyond
    64 bits read as doubles (what orjson writes back)."""
    repeated: list[_Repeated] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) == len(items):
            return obj
        marked = _Repeated(obj)
        marked.key = _first_repeated(items)
        repeated.append(marked)
        return marked

    try:
        value = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=pairs,
            parse_constant=_no_constant,
            parse_float=_double,
            parse_int=_integer,
        )
    except RecursionError:  # orjson read up to 1,024 levels; this parser may tire sooner
        raise BadRequest(
            "the request body is nested too deeply",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": "nested too deeply"}],
        ) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, the hooks' refusals
        raise BadRequest(
            "the request body is not valid JSON",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": str(exc)}],
        ) from None
    if repeated:
        path, key = _repeated_path(value)
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
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(value):
        raise BadRequest(
            "the request body is not valid JSON",
            errors=[
                {
                    "code": "Error.InvalidJson",
                    "path": "",
                    "message": "a \\u escape names a lone surrogate, which is not text",
                }
            ],
        )
    where = nul_path(value) if b"\\u0000" in body else None
    if where is not None:
        raise BadRequest(
            "the request body contains a NUL character (\\u0000)",
            errors=[{"code": "Error.InvalidValue", "path": where, "message": "NUL is not text"}],
        )
    return value


#: a \uD800-\uDFFF escape: only then can a parsed string hold a lone surrogate
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_INT64_MIN, _UINT64_END = -(2**63), 2**64


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _double(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is infinity when parsed as double")
    return value


def _integer(text: str) -> int | float:
    value = int(text)  # ValueError beyond 4,300 digits
    if _INT64_MIN <= value < _UINT64_END:
        return value
    return _double(text)


def _has_lone_surrogate(value: Any) -> bool:
    for _path, node in _nodes(value):
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


class _Repeated(dict):
    """An object of the body that names `key` twice."""

    key = ""


def _first_repeated(items: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _ in items:
        if key in seen:
            return key
        seen.add(key)
    return ""  # pragma: no cover - called only when a key repeats


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


def _repeated_path(value: Any) -> tuple[str, str]:
    """(the path of the first object, in document order, naming a key twice, that key)."""
    for path, node in _nodes(value):
        if isinstance(node, _Repeated):
            return path, node.key
    raise AssertionError("called only when an object names a key twice")  # pragma: no cover


def nul_path(value: Any) -> str | None:
    """The path of the first string or key holding a NUL character, else None."""
    for path, node in _nodes(value):
        if isinstance(node, str) and "\x00" in node:
            return path
    return None
