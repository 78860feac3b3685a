"""Absolute URLs and identifiers come from configuration (BCH_PUBLIC_URL, BCH_OAI_NAMESPACE),
never from the request: a hostile Host header (or X-Forwarded-Host) changes no OAI identifier,
baseURL, JSON-LD @id, oEmbed answer, embed page, QR code, redirect or mailed link (both
backends)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.config import DEFAULT_OAI_NAMESPACE, oai_namespace, public_url
from tests.accounts.helpers import (
    PASSWORD,
    Mailbox,
    mailbox,  # noqa: F401
)
from tests.raw_http import raw_request

EVIL = b"evil.example"
HOSTILE = [(b"x-forwarded-host", b"evil2.example"), (b"x-forwarded-proto", b"https")]
NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "i": "http://www.openarchives.org/OAI/2.0/oai-identifier",
}


def surfaces(loaded) -> list[str]:
    lmo = loaded.records.list(schema="modifiedOrganism", limit=1).items[0]
    uid, site = lmo.uid_base, public_url()
    event = quote(loaded.lmos.find("MON-00810-6").canonical_uid, safe="")  # MON810
    return [
        "/oai?verb=Identify",
        "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
        "/oai?verb=ListRecords&metadataPrefix=bch",
        "/oai?verb=ListMetadataFormats",
        f"/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:{uid}",
        f"/api/v1/records/{uid}?format=jsonld",
        f"/api/v1/records/{uid}/versions/1?format=jsonld",
        "/api/v1/vocab",
        f"/api/v1/records/{uid}",
        "/api/v1/records?limit=5",
        "/api/v1/changes?limit=5",
        f"/api/v2013/documents/{uid}",
        "/api/v2013/index?q=*:*&rows=2",
        f"/oembed?url={quote(site, safe='')}%2Fen%2Frecords%2F{uid}",
        f"/oembed?url={quote(site, safe='')}%2Fembed%2Fsearch%3Fschema%3Dorganism",
        "/embed/example",
        f"/embed/records/{uid}",
        "/embed/search?schema=organism",
        "/widgets.js",
        "/en/",
        f"/en/records/{uid}",
        f"/en/lmos/{event}",
        f"/en/lmos/{event}/quicklink.svg",
        "/docs",
        "/openapi.json",
        # framework redirects (trailing slash, static folder)
        "/api/v1/records/",
        "/oai/",
        "/static",
        "/docs/assets",
    ]


def _get(app, url: str, host: bytes, extra=()):
    path, _, query = url.partition("?")
    return raw_request(app, "GET", path, query=query, host=host, headers=list(extra))


def test_a_hostile_host_header_reaches_no_answer(loaded):
    app = create_app(loaded)
    for url in surfaces(loaded):
        r = _get(app, url, EVIL, HOSTILE)
        assert r.status < 500, (url, r.status)
        assert EVIL not in r.body and b"evil2" not in r.body, url
        for name, value in r.headers:
            assert b"evil" not in value, (url, name, value)
        normal = _get(app, url, b"testserver")
        assert normal.status == r.status, url
        if "quicklink" in url or "oai" in url and "Identify" in url:
            # the QR code and Identify depend on config only (Identify's responseDate is the
            # clock's: two calls may fall in two seconds)
            stamp = re.compile(rb"<responseDate>[^<]*</responseDate>")
            assert stamp.sub(b"", r.body) == stamp.sub(b"", normal.body), url


def test_oai_and_linked_data_use_the_configured_public_url(loaded):
    app = create_app(loaded)
    site, namespace = public_url(), oai_namespace()
    identify = ET.fromstring(_get(app, "/oai?verb=Identify", EVIL).body)
    assert identify.find(".//o:baseURL", NS).text == f"{site}/oai"
    assert identify.find(".//i:repositoryIdentifier", NS).text == namespace
    headers = list(
        ET.fromstring(
            _get(app, "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc", EVIL).body
        ).iterfind(".//o:header/o:identifier", NS)
    )
    assert headers and all(h.text.startswith(f"oai:{namespace}:") for h in headers)
    uid = loaded.records.list(limit=1).items[0].uid_base
    jsonld = _get(app, f"/api/v1/records/{uid}?format=jsonld", EVIL).json()
    assert jsonld["@id"].startswith(f"{site}/api/v1/records/{uid}")
    assert jsonld["@context"]["bch"] == f"{site}/api/v1/vocab#"
    for url in [f"http://evil.example/en/records/{uid}", "http://[x/en/", "javascript:alert(1)"]:
        foreign = _get(app, f"/oembed?url={quote(url, safe='')}", EVIL)
        assert foreign.status == 404 and foreign.json()["code"] == "notFound", url


@pytest.mark.parametrize(
    ("public", "namespace_env", "namespace"),
    [
        ("https://bch.example.org", None, "bch.example.org"),
        ("https://bch.example.org/", "cbd.int", "cbd.int"),
        ("http://127.0.0.1:9000", None, DEFAULT_OAI_NAMESPACE),  # not a domain name
        ("http://localhost:8000", None, DEFAULT_OAI_NAMESPACE),
    ],
)
def test_settings_decide_urls_and_namespace(loaded, monkeypatch, public, namespace_env, namespace):
    given = {"BCH_PUBLIC_URL": public, "BCH_OAI_NAMESPACE": namespace_env or ""}
    app = create_app(loaded.configured(**given))
    site = public.rstrip("/")
    identify = ET.fromstring(_get(app, "/oai?verb=Identify", EVIL).body)
    assert identify.find(".//o:baseURL", NS).text == f"{site}/oai"
    assert identify.find(".//i:sampleIdentifier", NS).text == f"oai:{namespace}:BCH-LMO-SCBD-1"
    uid = loaded.records.list(limit=1).items[0].uid_base
    oembed = _get(app, f"/oembed?url={site}/en/records/{uid}", EVIL).json()
    assert oembed["provider_url"] == f"{site}/"
    assert f'src="{site}/embed/records/{uid}' in oembed["html"]
    example = _get(app, "/embed/example", EVIL)
    assert f"{site}/widgets.js".encode() in example.body


def test_mailed_links_use_the_public_url(services, request, monkeypatch):
    box = request.getfixturevalue("mailbox")
    services = services.configured(  # the copy mails to the test's SMTP server too
        BCH_PUBLIC_URL="https://bch.example.org",
        BCH_SMTP_HOST="127.0.0.1",
        BCH_SMTP_PORT=str(box.port),
    )
    client = TestClient(create_app(services), headers={"Host": "evil.example"})
    r = client.post(
        "/api/v1/auth/register", json={"email": "wanjiru@example.org", "password": PASSWORD}
    )
    assert r.status_code == 202, r.text
    [mail] = box.wait_for("wanjiru@example.org")
    body = Mailbox.body(mail)
    assert "https://bch.example.org/en/confirm?token=" in body  # the web page
    assert "evil" not in body


def test_framework_redirects_are_relative_whatever_the_host(loaded):
    app = create_app(loaded)
    for host in [EVIL, b"EVIL.example:8443", b"Caf\xe9 \xff", b"a:b:c", b"[::1]:80"]:
        for path, target in [
            ("/api/v1/records/", "/api/v1/records?limit=1"),
            ("/oai/", "/oai?limit=1"),
            ("/docs/assets", "/docs/assets/?limit=1"),
            ("/static", "/static/?limit=1"),
        ]:
            r = raw_request(app, "GET", path, query="limit=1", host=host)
            assert r.status == 307 and r.header("location") == target, (host, path, r.headers)
