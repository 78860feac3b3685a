"""Header values that are not UTF-8 (HTTP allows any ISO-8859-1 byte, and broken clients send
worse) never turn into a 5xx: on every public prefix (CORS), the JSON API, OAI-PMH, oEmbed, the
widgets script and the web pages, with the bytes in each header a middleware or dependency reads
(both backends)."""

from __future__ import annotations

import pytest

from bch.api.app import create_app
from bch.config import public_url
from tests import factories
from tests.module_db import BACKEND_PARAMS, module_database
from tests.raw_http import raw_request

BAD = b"Caf\xe9 \xff\xfe\x80 \xc3("  # Latin-1 e-acute, bytes that are never UTF-8, a cut sequence
HEADERS = {
    "user-agent": BAD,
    "accept-language": b"fr-\xe9;q=0.9, \xff",
    "if-none-match": b'"\xe9\xff", W/"\xfe"',
    "if-modified-since": b"Mon, 1 Jan \xe9 2024",
    "origin": b"http://caf\xe9.example",
    "cookie": b"bch_session=\xe9\xff; other=\xfe",
    "authorization": b"Bearer \xe9\xff\xfe",
    "accept": b"application/\xe9json",
    "x-csrf-token": BAD,
}


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def app_and_uid(request, tmp_path_factory):
    """One app per backend for the module's tests, which only read (a database, a record and an
    app per test were most of their set-up)."""
    with module_database(request, tmp_path_factory, "header_bytes") as services:
        yield _app_and_uid(services)


def _app_and_uid(services):
    doc = {**factories.organization(), "country": {"identifier": "CA"}}
    uid = services.records.publish(doc, by="test").uid.rsplit("-", 1)[0]
    return create_app(services), uid


def _paths(uid: str) -> list[str]:
    return [
        "/api/v1/records?limit=1",
        f"/api/v1/records/{uid}",
        f"/api/v1/records/{uid}/versions/1",
        "/api/v1/changes",
        "/api/v2013/index?q=*:*",
        f"/api/v2013/documents/{uid}",
        "/oai?verb=Identify",
        "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
        f"/oembed?url={public_url()}/en/records/{uid}",
        "/widgets.js",
        "/",
        "/en/",
        f"/en/records/{uid}",
        "/en/search?q=Canadian",
    ]


def _get(app, path: str, headers: list[tuple[bytes, bytes]]):
    route, _, query = path.partition("?")
    return raw_request(app, "GET", route, query=query, headers=headers)


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_non_utf8_header_bytes_never_answer_5xx(app_and_uid, name):
    app, uid = app_and_uid
    for path in _paths(uid):
        clean = _get(app, path, [])
        assert clean.status < 400, (path, clean.status, clean.text[:300])
        r = _get(app, path, [(name.encode(), HEADERS[name])])
        assert r.status < 500, (path, name, r.status, r.text[:300])
        assert b"Traceback" not in r.body
        if name == "authorization":
            # ignored by public reads, refused in the uniform error shape where the caller counts
            assert r.status in (clean.status, 401), (path, r.status)
            if r.status == 401:
                assert r.json()["code"] == "unauthorized"
        elif name == "if-none-match":
            assert r.status in (200, clean.status), path  # not a match: the full answer
        else:
            assert r.status == clean.status, (path, name, r.status, r.text[:300])
        if path.startswith(("/api/", "/oai", "/oembed", "/widgets.js")):
            assert r.header("access-control-allow-origin") == "*", path


def test_preflight_with_non_utf8_headers(app_and_uid):
    app, _uid = app_and_uid
    ok = raw_request(
        app,
        "OPTIONS",
        "/api/v1/records",
        headers=[
            (b"origin", b"http://caf\xe9.example"),
            (b"access-control-request-method", b"GET"),
            (b"access-control-request-headers", b"x-\xe9\xff"),
        ],
    )
    assert ok.status == 204
    assert ok.header("access-control-allow-origin") == "*"
    odd = raw_request(
        app,
        "OPTIONS",
        "/api/v1/records",
        headers=[(b"access-control-request-method", b"G\xc9T\xff")],
    )
    assert odd.status < 500
    assert odd.header("access-control-allow-methods") is None  # not a method we allow


def test_web_page_language_from_a_latin1_accept_language(app_and_uid):
    app, _uid = app_and_uid
    r = raw_request(app, "GET", "/", headers=[(b"accept-language", b"fr;q=0.9, \xe9\xff;q=1")])
    assert r.status in (302, 303, 307)
    assert r.header("location").rstrip("/").endswith("/fr")
