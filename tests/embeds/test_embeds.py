"""Embeds: /widgets.js, the frame pages, oEmbed and the example page, on the shipped real data."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.config import public_url

SITE = public_url()  # oEmbed takes URLs of the configured public site


class Page(HTMLParser):
    """Collects tags with attributes, and the text, of an HTML page."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        if data.strip():
            self.text.append(data.strip())

    def find(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]

    def urls(self) -> list[str]:
        return [a[k] for _t, a in self.tags for k in ("src", "href") if k in a]


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


def first_uid(loaded, schema: str) -> str:
    return loaded.records.list(schema=schema, limit=1).items[0].uid_base


def assert_frameable_and_local(r) -> Page:
    assert r.headers["content-type"].startswith("text/html")
    assert "frame-ancestors *" in r.headers["content-security-policy"]
    assert "x-frame-options" not in r.headers
    page = Page(r.text)
    for url in page.urls():  # nothing is loaded from, or linked to, another host
        assert not re.match(r"^(https?:)?//", url), url
    assert "/embed/frame.js" in [s["src"] for s in page.find("script")]
    return page


def test_widgets_js_is_a_script_without_external_hosts(client):
    r = client.get("/widgets.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    code = re.sub(r"/\*.*?\*/", "", r.text, flags=re.S)
    assert "http" not in code  # the embed host is the script's own origin
    for marker in (
        "bch-embed",
        "scbd-chm-embed",
        "scbd-ch-embed",
        "data-record-id",
        "/embed/search",
    ):
        assert marker in code
    assert "event.origin !== ORIGIN" in code and "contentWindow === event.source" in code
    frame = client.get("/embed/frame.js")
    assert frame.status_code == 200 and "setClientHeight" in frame.text


def test_search_embed_lists_records_in_the_requested_language(client, loaded):
    r = client.get(
        "/embed/search",
        params={"schema": "biosafetyDecision", "country": "CA", "lang": "fr", "limit": 3},
    )
    assert r.status_code == 200
    page = assert_frameable_and_local(r)
    items = [a for a in page.find("li") if "data-uid" in a]
    assert len(items) == 3 and all(a["data-uid"].startswith("BCH-DEC-CA-") for a in items)
    assert page.find("html")[0]["lang"] == "fr"
    assert any("Canada" in t for t in page.text)
    rt = loaded.registry.record_type("biosafetyDecision")
    assert rt.title_plural["fr"] in page.find("title") or any(
        rt.title_plural["fr"] in t for t in page.text
    )
    links = [a["href"] for a in page.find("a") if a.get("target") == "_blank"]
    assert links[0].startswith("/fr/records/BCH-DEC-CA-")


def test_search_embed_bad_input_is_an_html_error_with_400(client):
    r = client.get("/embed/search", params={"schema": "noSuchSchema"})
    assert r.status_code == 400
    assert "noSuchSchema" in r.text and '<p role="alert">' in r.text


def test_record_embed_with_language_fallback(client, loaded):
    uid = first_uid(loaded, "modifiedOrganism")
    r = client.get(f"/embed/records/{uid}", params={"lang": "zh"})
    assert r.status_code == 200
    page = assert_frameable_and_local(r)
    title = loaded.records.get(uid).doc.title
    assert "zh" not in title  # the shipped records are in English: the title falls back to en
    assert page.find("h1") is not None and title["en"] in page.text
    assert page.find("article")[0]["data-uid"].startswith(uid)
    assert client.get("/embed/records/BCH-LMO-SCBD-99999999").status_code == 404


def test_oembed_rich_json_for_record_and_search_urls(client, loaded):
    uid = first_uid(loaded, "modifiedOrganism")
    for url in (
        f"{SITE}/embed/records/{uid}?lang=fr",
        f"{SITE}/fr/records/{uid}",
        f"{SITE}/api/v1/records/{uid}",
    ):
        r = client.get("/oembed", params={"url": url, "format": "json", "maxwidth": 500})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["version"] == "1.0" and body["type"] == "rich" and body["width"] == 500
        src = re.search(r'<iframe src="([^"]+)"', body["html"]).group(1)
        parts = urlsplit(src)
        assert f"{parts.scheme}://{parts.netloc}" == SITE and parts.path == f"/embed/records/{uid}"
        assert client.get(f"{parts.path}?{parts.query}").status_code == 200
    search = client.get(
        "/oembed", params={"url": f"{SITE}/embed/search?schema=organism&lang=es"}
    ).json()
    src = re.search(r'<iframe src="([^"]+)"', search["html"]).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(src).query) == {"schema": ["organism"], "lang": ["es"]}
    assert (
        client.get(
            "/oembed", params={"url": f"https://elsewhere.example/embed/records/{uid}"}
        ).status_code
        == 404
    )
    assert client.get("/oembed", params={"url": f"{SITE}/about"}).status_code == 404
    assert (
        client.get(
            "/oembed", params={"url": f"{SITE}/embed/records/{uid}", "format": "xml"}
        ).status_code
        == 501
    )


def test_example_page_shows_a_search_list_and_a_record(client):
    r = client.get("/embed/example")
    assert r.status_code == 200
    page = Page(r.text)
    embeds = [a for a in page.find("div") if "bch-embed" in a.get("class", "")]
    assert {a["data-type"] for a in embeds} == {"search", "record"}
    assert "/widgets.js" in [s["src"] for s in page.find("script")]
    record = next(a for a in embeds if a["data-type"] == "record")
    assert client.get(f"/embed/records/{record['data-record-id']}").status_code == 200
    search = next(a for a in embeds if a["data-type"] == "search")
    listed = client.get(
        "/embed/search",
        params={"schema": search["data-schema"], "country": search.get("data-country", "")},
    )
    assert listed.status_code == 200 and "data-uid" in listed.text
