"""What the OpenAPI document says is what the API does (issue 17, item 13): focused tests for
each kind of finding of the fuzzer (tests/api/test_openapi_fuzz.py), on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.container import Services
from tests.accounts.helpers import PASSWORD, add_user, bearer
from tests.module_db import BACKEND_PARAMS, module_database


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def reader(request, tmp_path_factory):
    """One app per backend for the tests that only read (the document, refusals of bad input):
    the document does not depend on the rows. The tests that write get a database each
    (`client`)."""
    with (
        module_database(request, tmp_path_factory, "honesty") as services,
        TestClient(create_app(services)) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def doc(reader) -> dict:
    return reader.get("/openapi.json").json()


@pytest.fixture
def client(services: Services):
    with TestClient(create_app(services)) as c:
        yield c


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method.upper(), op


def test_bad_parameters_are_documented_as_the_400_the_api_sends(reader, doc):
    """No FastAPI 422 "Validation Error" (a shape this API never sends): a bad parameter is a
    400 in the uniform error shape, documented with it."""
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, method, op in _operations(doc):
        # 422 only where a well-formed body is refused for its content: an invalid record
        # document, an alert subscription whose filters the search API does not know, or any
        # JSON body naming a key twice (tests/api/test_repeated_keys.py)
        json_body = "application/json" in op.get("requestBody", {}).get("content", {})
        if "422" in op["responses"] and not json_body:
            assert path.startswith(
                ("/api/v1/drafts/", "/api/v1/requests/", "/api/v1/subscriptions")
            ), (method, path)
    limit = doc["paths"]["/api/v1/changes"]["get"]["responses"]["400"]
    assert limit["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    r = reader.get("/api/v1/changes?limit=0")
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "query.limit"


def test_rate_limited_paths_document_429_with_retry_after(doc):
    for path, method, op in _operations(doc):
        answers = op["responses"]
        if path.startswith(("/api/", "/oai", "/oembed", "/widgets.js", "/embed/bch.js")):
            assert "Retry-After" in answers["429"]["headers"], (method, path)
        else:
            assert "429" not in answers, (method, path)


@pytest.mark.parametrize(
    ("path", "method", "status", "media"),
    [
        ("/api/v1/records", "get", "200", "text/csv"),
        ("/api/v1/records/{record_id}", "get", "200", "application/ld+json"),
        ("/api/v1/vocab", "get", "200", "application/ld+json"),
        ("/api/v1/export/{name}", "get", "200", "application/x-ndjson"),
        ("/api/v1/export/{name}", "get", "200", "application/gzip"),
        ("/oai", "get", "200", "text/xml"),
        ("/oai/schemas/bch-record.xsd", "get", "200", "application/xml"),
        ("/widgets.js", "get", "200", "application/javascript"),
        ("/embed/search", "get", "200", "text/html"),
        ("/embed/records/{record_id}", "get", "404", "text/html"),
        ("/api/v1/attachments/{attachment_id}", "get", "200", "application/pdf"),
    ],
)
def test_media_types_are_documented(doc, path, method, status, media):
    assert media in doc["paths"][path][method]["responses"][status]["content"]


def test_conditional_and_upload_answers_are_documented(doc):
    put = doc["paths"]["/api/v1/drafts/{identifier}"]["put"]["responses"]
    assert {"201", "409", "412", "413", "422", "428"} <= set(put)
    upload = doc["paths"]["/api/v1/attachments"]["post"]
    assert {"201", "401", "413", "415"} <= set(upload["responses"])
    assert "application/octet-stream" in upload["requestBody"]["content"]
    token = doc["paths"]["/api/v1/auth/token"]["post"]["requestBody"]
    assert token["content"]["application/json"]["schema"]["required"] == ["email", "password"]


def test_405_names_every_method_of_the_path(reader):
    """Starlette named only the first matching route's methods (PUT on a record said
    `Allow: GET` although DELETE is served there)."""
    r = reader.put("/api/v1/records/BCH-LMO-SCBD-1-1")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, DELETE"
    assert r.json()["code"] == "methodNotAllowed"
    r = reader.patch("/api/v1/drafts/some-identifier-1")
    assert r.headers["allow"] == "GET, HEAD, PUT, DELETE"
    assert reader.post("/api/v1/changes").headers["allow"] == "GET, HEAD"


def test_head_is_served_wherever_get_is(reader):
    get = reader.get("/api/v1/countries/CA")
    head = reader.head("/api/v1/countries/CA")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert reader.head("/api/v1/countries/XX").status_code == 404


def test_a_nul_character_in_a_body_is_a_400_not_a_500(client, services):
    """PostgreSQL stores no NUL: registering with one in the address or the name answered 500."""
    r = client.post(
        "/api/v1/auth/register", json={"email": "a\x00b@example.org", "password": PASSWORD}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "email"
    r = client.post(
        "/api/v1/auth/register",
        json={"email": "nul@example.org", "password": PASSWORD, "name": "A\x00B"},
    )
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "name"
    add_user(services, "nfp@example.org", "nfp", "CA", password=PASSWORD)
    auth = bearer(client, "nfp@example.org")
    doc = {
        "header": {"identifier": "nul-draft-00001", "schema": "authority"},
        "name": {"en": "\x00"},
    }
    r = client.put("/api/v1/drafts/nul-draft-00001", json=doc, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "name.en"


def test_text_members_of_other_types_are_400s(reader):
    """A name that was a list reached the database and answered 500 on PostgreSQL (the fuzzer)."""
    cases = [
        ("/api/v1/auth/register", {"email": "x@example.org", "password": PASSWORD, "name": [{}]}),
        ("/api/v1/auth/register", {"email": ["x@example.org"], "password": PASSWORD}),
        ("/api/v1/auth/token", {"email": "x@example.org", "password": {"a": 1}}),
        ("/api/v1/auth/confirm", {"token": 12}),
    ]
    for url, body in cases:
        r = reader.post(url, json=body)
        wrong = next(k for k, v in body.items() if not isinstance(v, str))
        assert r.status_code == 400, (url, body, r.text)
        assert r.json()["errors"][0]["path"] == wrong


def test_refusals_name_the_parameter(client, services):
    r = client.get("/api/v1/records?cursor=not-a-cursor")
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "cursor"
    r = client.get("/api/v1/auth/confirm?token=unknown")
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "token"
    add_user(services, "user@example.org", password=PASSWORD)
    auth = bearer(client, "user@example.org")
    r = client.post("/api/v1/auth/tokens", json={"days": 400}, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "days"
    r = client.post("/api/v1/auth/tokens", json={"days": 30.0}, headers=auth)  # JSON's 30
    assert r.status_code == 201
    assert client.post("/api/v1/auth/tokens", headers=auth).status_code == 201  # all defaults
