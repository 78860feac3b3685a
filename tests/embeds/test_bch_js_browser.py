"""bch.js in a real browser (issue 12 item 6): a national site on another origin, with a strict
Content-Security-Policy of its own, includes the script and makes the old Ajax plug-in's call
GenerateRecords('decisions', 'CA', 'fr', 'div-id'); the list of Canada's decisions renders in
French with links to the central's pages, and nothing is fetched from a third host."""

from __future__ import annotations

import pytest

from tests.embeds.test_widgets_browser import loopback_page, third_party_site
from tests.oai.live import live_server

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.xdist_group("browser-2"),
    pytest.mark.parametrize("loaded", ["sqlite"], indirect=True),
]


def test_generate_records_lists_a_countrys_decisions_in_french_on_another_site(loaded, chromium):
    with live_server(loaded) as bch:
        central = bch.replace("127.0.0.1", "localhost")  # another origin than the host page
        csp = f"default-src 'self'; script-src 'self' 'unsafe-inline' {central}; connect-src {central}"
        page_html = f"""<!doctype html><html><head>
<meta http-equiv="Content-Security-Policy" content="{csp}"></head>
<body><h1>Centre d'échange national</h1><div id="div-id"></div><div id="bad"></div>
<script src="{central}/embed/bch.js"></script>
<script>
GenerateRecords('decisions', 'CA', 'fr', 'div-id').then(
  function (n) {{ window.shown = n; }}, function (e) {{ window.failed = String(e); }});
BCH.list({{schema: 'nope', country: 'CA', locale: 'fr', container: 'bad'}}).catch(
  function (e) {{ window.refused = String(e); }});
</script></body></html>"""
        site = third_party_site(page_html)
        external: list[str] = []
        try:
            with loopback_page(chromium, external) as page:
                page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
                # (the page's CSP forbids eval: wait on elements, not on wait_for_function)
                page.locator("#div-id section.bch-list, #div-id .bch-list-error").wait_for()
                assert page.evaluate("window.failed") is None
                shown = page.evaluate("window.shown")
                assert 1 <= shown <= 10
                section = page.locator("#div-id section.bch-list")
                assert section.get_attribute("lang") == "fr"
                heading = section.locator("h3").inner_text()
                assert heading.startswith("Décisions des pays") and heading.endswith("Canada")
                links = section.locator("li a")
                assert links.count() == shown
                hrefs = links.evaluate_all("els => els.map(a => a.href)")
                assert all(h.startswith(f"{central}/fr/records/BCH-DEC-CA-") for h in hrefs)
                meta = section.locator(".bch-list-meta").first.inner_text()
                assert "Canada" in meta and "Décision de pays" in meta
                # the same list as the central's own answer (titles of the newest decisions)
                titles = links.evaluate_all("els => els.map(a => a.textContent)")
                api = page.evaluate(
                    f"fetch('{central}/api/v1/embed/records?schema=decisions&country=CA&lang=fr')"
                    ".then(r => r.json())"
                )
                assert titles == [i["title"] for i in api["items"]]
                # a bad schema: the central's 400 message is shown in place of the list
                page.locator("#bad .bch-list-error").wait_for()
                assert "unknown record type" in page.locator("#bad").inner_text()
        finally:
            site.shutdown()
    assert external == []
