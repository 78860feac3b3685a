"""Request bodies are read in a bounded way on every endpoint that takes one: a declared length
over the limit is refused before a byte is read; chunked bodies and bodies longer than their
Content-Length stop being read as soon as they pass the limit; 413 in the uniform error shape
naming the limit, nothing stored. The v2013 index also bounds q/fq length, nesting and clauses
(both backends)."""

from __future__ import annotations

import math
from urllib.parse import urlencode

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bch.api.app import create_app
from bch.compat.solr_query import MAX_CLAUSES, MAX_DEPTH, MAX_QUERY_CHARS
from bch.config import MAX_DOCUMENT_BYTES, MAX_QUERY_BODY_BYTES
from bch.storage.tables import drafts
from tests.accounts.helpers import PASSWORD, add_user, bearer
from tests.raw_http import raw_request

CHUNK = 16 * 1024
ATTACHMENT_LIMIT = 50_000
FORM = (b"content-type", b"application/x-www-form-urlencoded")
JSON = (b"content-type", b"application/json")


@pytest.fixture
def api(services, monkeypatch):
    services = services.configured(BCH_MAX_ATTACHMENT_BYTES=str(ATTACHMENT_LIMIT))
    add_user(services, "nfp-ke@example.org", "nfp", "KE", password=PASSWORD)
    app = create_app(services)
    token = bearer(TestClient(app), "nfp-ke@example.org")["Authorization"].encode()
    return app, [(b"authorization", token)]


def endpoints(auth):
    """(method, path, limit, extra headers) of every endpoint that reads a body."""
    ident = "dec-ke-0123456789abcdef"
    return [
        ("POST", "/api/v2013/index", MAX_QUERY_BODY_BYTES, [FORM]),
        ("POST", "/api/v2013/index/select", MAX_QUERY_BODY_BYTES, [JSON]),
        ("POST", "/oai", MAX_QUERY_BODY_BYTES, [FORM]),
        ("POST", "/api/v1/validate", MAX_DOCUMENT_BYTES, [JSON]),
        ("POST", "/api/v1/auth/token", MAX_DOCUMENT_BYTES, [JSON]),
        ("PUT", f"/api/v1/drafts/{ident}", MAX_DOCUMENT_BYTES, [JSON, *auth]),
        ("POST", f"/api/v1/drafts/{ident}/publish", MAX_DOCUMENT_BYTES, [JSON, *auth]),
        ("POST", "/api/v1/requests/1/approve", MAX_DOCUMENT_BYTES, [JSON, *auth]),
        ("DELETE", "/api/v1/records/BCH-DEC-KE-1", MAX_DOCUMENT_BYTES, [JSON, *auth]),
        ("POST", "/api/v1/attachments", ATTACHMENT_LIMIT, auth),
        ("POST", "/en/sign-in", MAX_DOCUMENT_BYTES, [FORM]),
    ]


def assert_413(r, limit: int) -> None:
    assert r.status == 413, (r.status, r.text[:300])
    body = r.json() if r.header("content-type").startswith("application/json") else None
    if body is not None:
        assert body["statusCode"] == 413 and body["code"] == "payloadTooLarge"
        assert f"{limit:,}" in body["message"] and body["limit"] == limit
        assert body["errors"][0]["code"] == "Error.PayloadTooLarge"
    else:  # a web page: the HTML error page says so
        assert f"{limit:,}" in r.text


def test_declared_length_over_the_limit_is_refused_before_reading(api):
    app, auth = api
    for method, path, limit, headers in endpoints(auth):
        r = raw_request(
            app, method, path, headers=headers, body=[b"x" * 10], declared_length=limit + 1
        )
        assert_413(r, limit)
        assert r.chunks_read == 0, (path, "read a body it had to refuse")


def test_chunked_bodies_stop_being_read_past_the_limit(api):
    app, auth = api
    for method, path, limit, headers in endpoints(auth):
        chunks = [b"x" * CHUNK] * (math.ceil(limit / CHUNK) * 3)  # three times the limit
        r = raw_request(app, method, path, headers=headers, body=chunks)
        assert_413(r, limit)
        assert r.chunks_read <= math.ceil(limit / CHUNK) + 1, (path, r.chunks_read, len(chunks))


def test_a_lying_content_length_does_not_lift_the_limit(api, services):
    app, auth = api
    for method, path, limit, headers in endpoints(auth):
        chunks = [b"x" * CHUNK] * (math.ceil(limit / CHUNK) * 3)
        r = raw_request(app, method, path, headers=headers, body=chunks, declared_length=10)
        assert_413(r, limit)
        assert r.chunks_read <= math.ceil(limit / CHUNK) + 1, path
    with services.engine.connect() as conn:  # nothing was stored by any of them
        assert conn.execute(select(func.count()).select_from(drafts)).scalar_one() == 0


def test_bodies_within_the_limits_still_work(api):
    app, auth = api
    query = urlencode({"q": "*:*", "rows": "0"}).encode()
    r = raw_request(app, "POST", "/api/v2013/index", headers=[FORM], body=[query[:5], query[5:]])
    assert r.status == 200 and r.json()["response"]["numFound"] == 0
    r = raw_request(app, "POST", "/oai", headers=[FORM], body=[b"verb=Identify"])
    assert r.status == 200 and b"<Identify>" in r.body
    pdf = b"%PDF-1.4\n" + b"0" * (ATTACHMENT_LIMIT - 9)  # exactly at the limit
    r = raw_request(app, "POST", "/api/v1/attachments", headers=auth, body=[pdf])
    assert r.status == 201, r.text


def test_query_length_nesting_and_clauses_are_bounded(services):
    client = TestClient(create_app(services))

    def select_(method: str, **params):
        if method == "get":
            return client.get("/api/v2013/index", params=params)
        if method == "form":
            return client.post("/api/v2013/index", data=params)
        return client.post("/api/v2013/index", content=orjson.dumps(params), headers=dict([JSON]))

    for method in ("get", "form", "json"):
        too_long = "title_t:" + "m" * MAX_QUERY_CHARS
        r = select_(method, q=too_long)
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "q"
        assert f"longer than {MAX_QUERY_CHARS:,} characters" in r.json()["message"]
        r = select_(method, q="*:*", fq=too_long)
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "fq"
        for depth in (MAX_DEPTH + 1, 500):  # 500 used to be a RecursionError (500)
            r = select_(method, q="(" * depth + "title_t:maize" + ")" * depth)
            assert r.status_code == 400, r.text[:200]
            assert f"deeper than {MAX_DEPTH}" in r.json()["message"]
        nested = select_(method, q="(" * MAX_DEPTH + "title_t:maize" + ")" * MAX_DEPTH)
        assert nested.status_code == 200 and nested.json()["response"]["numFound"] == 0
        many = " OR ".join(["a"] * (MAX_CLAUSES + 1))
        r = select_(method, q=many)
        assert r.status_code == 400 and f"more than {MAX_CLAUSES:,} clauses" in r.text
        half = " OR ".join(["a"] * (MAX_CLAUSES // 2 + 1))
        r = select_(method, q=half, fq=half)
        assert r.status_code == 400 and "together" in r.json()["message"]


def test_a_megabyte_query_is_refused_unread(services):
    app = create_app(services)
    query = urlencode({"q": " OR ".join(["title_t:maize"] * 70_000)}).encode()  # 1.3 MB
    chunks = [query[i : i + CHUNK] for i in range(0, len(query), CHUNK)]
    r = raw_request(app, "POST", "/api/v2013/index", headers=[FORM], body=chunks)
    assert_413(r, MAX_QUERY_BODY_BYTES)
    assert r.chunks_read <= MAX_QUERY_BODY_BYTES // CHUNK + 1 < len(chunks)
    long_get = "q=" + "a" * (MAX_QUERY_BODY_BYTES + 1)
    r = raw_request(app, "GET", "/api/v2013/index", query=long_get)
    assert r.status == 413 and "query string" in r.json()["message"]
