"""Forum and consultation request bodies refuse members they do not know (issue 15 item 3), on
both databases: the OpenAPI document says so (`additionalProperties: false` on every object of
these bodies), and the API answers 400 naming the unknown member and the expected ones, before
anything is written or looked up."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import PASSWORD, add_user, bearer, client_for

PREFIXES = ("/api/v1/forums", "/api/v1/consultations")

# every endpoint of the two families that reads a JSON body, with a body valid but for "bogus"
BODIES = [
    ("/api/v1/forums", {"title": {"en": "A forum"}}),
    ("/api/v1/forums/some-forum/threads", {"title": "T", "text": "Text.", "language": "en"}),
    ("/api/v1/forums/some-forum/members", {"email": "x@example.org", "role": "invited"}),
    ("/api/v1/forums/threads/1/posts", {"text": "Text.", "language": "en"}),
    ("/api/v1/forums/posts/1/moderation", {"action": "hide", "reason": "spam"}),
    ("/api/v1/consultations", {"country": "CA", "title": {"en": "C"}, "closesAt": "2099-01-01"}),
    ("/api/v1/consultations/some-id/comments", {"text": "Text.", "consent": True}),
    ("/api/v1/consultations/some-id/comments/1/moderation", {"action": "publish"}),
    ("/api/v1/consultations/some-id/response", {"response": {"en": "Thanks."}}),
]


def _objects(schema: dict, where: str):
    """Every object schema of a body schema, with where it is."""
    if schema.get("type") == "object" and "properties" in schema:
        yield where, schema
        for name, sub in schema["properties"].items():
            yield from _objects(sub, f"{where}.{name}")
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        yield from _objects(schema["items"], f"{where}[]")


@pytest.fixture
def client(services):
    add_user(services, "scbd@example.org", "secretariat", password=PASSWORD)
    add_user(services, "nau@example.org", "nau", "CA", password=PASSWORD)
    with client_for(services) as c:
        yield c


def test_the_document_closes_every_body_object(client):
    doc = client.get("/openapi.json").json()
    seen, operations = [], set()
    for path, item in doc["paths"].items():
        if not path.startswith(PREFIXES):
            continue
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            operations.add(f"{method.upper()} {path}")
            for where, schema in _objects(body["schema"], f"{method.upper()} {path}"):
                seen.append(where)
                assert schema.get("additionalProperties") is False, where
    assert len(operations) == len(BODIES)  # the endpoints below, and no other
    assert "POST /api/v1/consultations.documents[]" in seen  # nested objects too


def test_an_unknown_member_is_a_400_naming_it(client):
    """One app and database for all the endpoints: nothing is written."""
    tokens = {role: bearer(client, f"{role}@example.org") for role in ("scbd", "nau")}
    for path, body in BODIES:
        auth = tokens["scbd" if path.startswith("/api/v1/forums") else "nau"]
        r = client.post(path, json=body | {"bogus": 1}, headers=auth)
        assert r.status_code == 400, (path, r.text)
        error = r.json()["errors"][0]
        assert error["path"] == "bogus", (path, error)
        assert all(name in error["message"] for name in body), (path, error)  # the expected


def test_an_unknown_member_of_a_consultation_document_is_named(client):
    auth = bearer(client, "nau@example.org")
    body = {
        "country": "CA",
        "title": {"en": "C"},
        "closesAt": "2099-01-01",
        "documents": [{"name": "Dossier", "url": "https://example.org/d.pdf", "pages": 3}],
    }
    r = client.post("/api/v1/consultations", json=body, headers=auth)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["path"] == "documents[0].pages"
