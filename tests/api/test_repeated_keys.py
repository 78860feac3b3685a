"""A JSON body naming a key twice in one object (`{"title": 1, "title": 2}`) is refused on every
operation that takes a JSON body: 422, the key and its path in `errors`, nothing stored. Parsers
disagree on which of the two values wins, so the API accepts neither (api/deps.parse_json)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bch.api.app import create_app
from bch.api.deps import parse_json
from bch.services.errors import ValidationFailed
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
