"""XSS payloads in plain-text fields (not rich text), in each of the six languages, proven inert
in chromium with the Content-Security-Policy bypassed, so that only the templates' escaping
stands in the way: record pages and search results in every language, and the embeds. No
dialog opens, the DOM has no inline script, event handler or javascript: URL, and the payload
reads as the text that was typed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest

from bch.services.container import Services
from tests import factories
from tests.oai.live import live_server
from tests.security.xss_corpus import LANGS, MARK, PAYLOADS
from tests.web.test_rich_text_browser import DOM_PROBLEMS

pytestmark = pytest.mark.xdist_group("browser-2")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, str]]:
    svc = Services.open(f"sqlite:///{tmp_path_factory.mktemp('xss') / 'bch.db'}")
    doc = factories.authority("CA", languages=LANGS)
    doc["name"] = {
        lang: f"{MARK}{i} {PAYLOADS[i % len(PAYLOADS)]} {' '.join(PAYLOADS)}"
        for i, lang in enumerate(LANGS)
    }
    uid = svc.records.publish(doc).uid
    with live_server(svc) as base:
        yield base, uid.rsplit("-", 1)[0]
    svc.close()


def test_xss_in_every_language_stays_text_in_chromium(site, chromium):
    base, uid = site
    pages = []
    for lang in LANGS:
        pages += [f"/{lang}/records/{uid}", f"/{lang}/search?q={MARK}"]
        pages += [f"/embed/records/{uid}?lang={lang}"]
    pages += [f"/embed/search?q={MARK}"]
    dialogs: list[str] = []
    with closing(chromium.new_context(bypass_csp=True)) as context:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in pages:
            assert page.goto(base + path).status == 200, path
            page.wait_for_load_state("load")
            assert page.evaluate(DOM_PROBLEMS) == [], path
            text = page.inner_text("body")
            assert MARK in text, path  # the record is on the page
            assert "<script>alert('s')</script>" in text, path  # as typed, as text
    assert dialogs == []
