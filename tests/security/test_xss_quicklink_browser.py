"""The customs quick-link SVG (segno's QR code with the UID and trade name under it) with hostile
text in every text it embeds: the LMO page's address (in the QR code), the UID and the trade
name. An SVG opened by itself is a document that runs scripts, so it is proven inert in chromium
as a top-level document: no dialog, nothing sets `window.__xss`, no script, event handler,
foreignObject or javascript: URL; the texts read as typed. Once through the renderer with every
field hostile, and once through the served routes (web page and API) of an LMO whose trade name
and event are the corpus, on each backend."""

from __future__ import annotations

from contextlib import closing
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services import quicklinks
from tests import factories
from tests.security.xss_corpus import MARK, MORE, PAYLOADS, RAN
from tests.web.browser import require_chromium
from tests.web.test_rich_text_browser import DOM_PROBLEMS

require_chromium()
pytestmark = pytest.mark.xdist_group("browser-1")
SVG = "{http://www.w3.org/2000/svg}"
ACTIVE = """() => Array.from(document.querySelectorAll('script, foreignObject, a, iframe, use'))
  .map(e => e.tagName)"""


def _check(svg: str) -> list[str]:
    """The SVG's structure (only the shapes and texts the renderer draws) and its texts."""
    root = ET.fromstring(svg)
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {"svg", "rect", "g", "path", "text"}, tags
    for el in root.iter():
        assert not [a for a in el.attrib if a.lower().startswith("on")], el.attrib
        assert not any("javascript:" in v.lower() for v in el.attrib.values()), el.attrib
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def _serving(svg: str):
    """A route handler answering with `svg` as a document of its own (image/svg+xml)."""
    return lambda route: route.fulfill(body=svg, content_type="image/svg+xml")


def _inert_in_chromium(browser, svgs: list[str]) -> None:
    with closing(browser.new_context(bypass_csp=True)) as context:
        dialogs: list[str] = []
        for i, svg in enumerate(svgs):
            url = f"http://quicklink.test/{i}.svg"
            context.route(url, _serving(svg))
            page = context.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url)
            page.wait_for_load_state("load")
            assert page.evaluate(RAN) is None and dialogs == [], i
            assert page.evaluate(ACTIVE) == [] and page.evaluate(DOM_PROBLEMS) == [], i
            page.close()


def test_every_embedded_text_hostile_stays_inert(browser):
    hostile = f"{PAYLOADS[0]}{MORE[0]}{PAYLOADS[2]}"
    svgs = []
    for payload in (*PAYLOADS, *MORE):
        label = quicklinks.Label(
            url=f"https://bch.example/en/lmos/{payload}", uid=f"{payload} × {hostile}", name=payload
        )
        svg = quicklinks.svg(label)
        texts = _check(svg)
        assert texts[-1] == quicklinks._short(payload)  # the name, as typed
        assert "".join(texts[:-1]).replace("× ", "") == f"{payload}{hostile}".replace("× ", "")
        svgs.append(svg)
    _inert_in_chromium(browser, svgs)


def test_served_quick_links_of_a_hostile_lmo_stay_inert(services, browser):
    name = f"{PAYLOADS[0]} {MARK}"
    lmo = {
        "header": {
            "identifier": factories.ident("lmo"),
            "schema": "modifiedOrganism",
            "languages": ["en"],
        },
        "hasUniqueIdentification": True,
        "uniqueIdentification": "MON-ØØ81Ø-6",
        "transformationEvent": f"{MORE[0]} MON810",
        "identity": {"en": name},
    }
    services.records.publish(lmo, strict=False)  # the missing mandatory fields: warnings
    svgs = []
    with TestClient(create_app(services)) as client:
        for path in (
            "/en/lmos/MON-ØØ81Ø-6/quicklink.svg",
            "/ar/lmos/MON-ØØ81Ø-6/quicklink.svg",
            "/api/v1/lmos/MON-ØØ81Ø-6/quick-link.svg",
        ):
            r = client.get(path)
            assert r.status_code == 200, (path, r.text[:200])
            assert r.headers["content-type"].startswith("image/svg+xml")
            texts = _check(r.text)
            assert texts[0] == "MON-ØØ81Ø-6" and texts[-1] == quicklinks._short(name), path
            svgs.append(r.text)
    _inert_in_chromium(browser, svgs)
