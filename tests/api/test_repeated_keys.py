"""A JSON body naming a key twice in one object (`{"title": 1, "title": 2}`) is refused on every
operation that takes a JSON body: 422, the key and its path in `errors`, nothing stored. Parsers
disagree on which of the two values wins, so the API accepts neither (api/deps.parse_json)."""

from __future__ import annotations

import json
import re

import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bch.api import deps
from bch.api.app import create_app
from bch.api.deps import parse_json
from bch.services.errors import BadRequest, ValidationFailed
from bch.storage.tables import drafts
from tests.accounts.helpers import PASSWORD, add_user, bearer

IDENTIFIER = "dec-ke-0123456789abcdef"
# the body of each operation: a plausible document whose nested object repeats "title"
BODY = (
    b'{"header": {"identifier": "dec-ke-0123456789abcdef", "schema": "decision"},'
    b' "x": [1, {"title": "first", "title": "second"}]}'
)


@pytest.fixture
def api(services):
    add_user(services, "nfp-ke@example.org", "nfp", "KE", password=PASSWORD)
    client = TestClient(create_app(services), raise_server_exceptions=False)
    return client, bearer(client, "nfp-ke@example.org")


def json_operations(client: TestClient) -> list[tuple[str, str]]:
    """(method, path with its parameters filled in) of every operation taking a JSON body."""
    found = []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                filled = re.sub(r"\{identifier\}", IDENTIFIER, path)
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", filled)))
    return found


def test_parse_json_names_the_repeated_key_and_its_path():
    cases = {
        b'{"title": 1, "title": 2}': "title",
        b'{"a": {"b": [0, {"c": 1, "c": 1}]}}': "a.b[1].c",
        b'[{}, {"x": {"y": 1, "y": 2, "z": 3}}]': "[1].x.y",
    }
    for body, path in cases.items():
        with pytest.raises(ValidationFailed) as caught:
            parse_json(body)
        assert caught.value.status == 422
        assert caught.value.errors[0]["code"] == "Error.DuplicateKey"
        assert caught.value.errors[0]["path"] == path, body
        assert repr(path.rsplit(".", 1)[-1].split("]")[-1] or path) in caught.value.message
    # the same key in two different objects is not a repetition
    assert parse_json(b'[{"title": 1}, {"title": 2}]') == [{"title": 1}, {"title": 2}]
    assert parse_json(b'{"a": {"title": 1}, "title": 2}') == {"a": {"title": 1}, "title": 2}


def test_every_json_operation_refuses_a_repeated_key_and_stores_nothing(api, services):
    client, auth = api
    operations = json_operations(client)
    assert len(operations) >= 10, operations  # the document lists them; a regression empties it
    with services.engine.connect() as conn:
        before = conn.scalar(select(func.count()).select_from(drafts))
    answered = {}
    for method, path in operations:
        r = client.request(
            method, path, content=BODY, headers={**auth, "Content-Type": "application/json"}
        )
        answered[(method, path)] = r.status_code
        assert r.status_code == 422, (method, path, r.status_code, r.text[:300])
        body = r.json()
        assert body["errors"][0]["code"] == "Error.DuplicateKey", (method, path, body)
        assert body["errors"][0]["path"] == "x[1].title", (method, path, body)
        assert "'title'" in body["message"]
    with services.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(drafts)) == before
    # the document says so on each of them
    document = client.get("/openapi.json").json()["paths"]
    for path, item in document.items():
        for operation in item.values():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                assert "422" in operation["responses"], path


# -- one parse, orjson's verdicts ----------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"))  # NUL: refused
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(JSON_VALUES)
def test_parse_json_reads_what_orjson_reads(value):
    body = json.dumps(value, ensure_ascii=False).encode()
    assert parse_json(body) == orjson.loads(body)


def test_parse_json_refuses_what_orjson_refuses_with_a_400():
    bodies = [
        b"{not json",
        b'{"a": NaN}',
        b"[Infinity]",
        b"-Infinity",
        b"1e400",
        b'{"a": -1e999}',
        b"1" * 400,  # beyond a double
        b'"\\ud800"',
        b'{"\\udc00": 1}',
        b'["ok", "\\uDBFF x"]',
        b'{"a": "\xff\xfe"}',
        b"\xef\xbb\xbf{}",
        '"\u00e9"'.encode("utf-16"),
        b'"tab\tinside"',
        b"[1,]",
        b"[1] [2]",
        b"[" * 5000 + b"]" * 5000,
    ]
    for body in bodies:
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(body)
        with pytest.raises(BadRequest) as caught:
            parse_json(body)
        assert caught.value.status == 400, body[:40]
        assert caught.value.errors[0]["code"] == "Error.InvalidJson", body[:40]
    # what orjson reads, beyond 64-bit integers included
    for body in [
        b"18446744073709551615",
        b"18446744073709551616",
        b"-9223372036854775809",
        b'"\\ud83d\\ude00"',
        b"1.5e-400",
        b' {"a": [1, 2.5, "x"]} ',
    ]:
        assert parse_json(body) == orjson.loads(body), body


def test_parse_json_parses_a_body_once(monkeypatch):
    calls = []
    real = deps.json.loads

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(deps.json, "loads", counting)
    monkeypatch.setattr(orjson, "loads", lambda *_a, **_k: pytest.fail("a second parser ran"))
    assert parse_json(b'{"a": [{"b": 1}, {"c": "\\u00e9"}]}') == {"a": [{"b": 1}, {"c": "é"}]}
    with pytest.raises(ValidationFailed):
        parse_json(b'{"a": [{"b": 1, "b": 2}]}')
    assert len(calls) == 2
