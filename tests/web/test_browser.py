"""Browser walks with Playwright driving Debian's chromium against a real server on 127.0.0.1
(a copy of the loaded SQLite database): search -> facet -> LMO -> matrix -> decision, the
language switch to Arabic and Chinese, a two-language submission approved by the focal point.
Every page is checked with axe-core (WCAG 2.1 AA) and for requests to other hosts; screenshots
go to test-artifacts/ with `make screenshots` (tests/web/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bch.services.container import Services
from tests.oai.live import live_server
from tests.templates import shipped_copy
from tests.web import browser as shared
from tests.web.browser import require_chromium
from tests.web.conftest import MON810, PASSWORD

sync_api = require_chromium()
pytestmark = pytest.mark.xdist_group("browser-2")


@pytest.fixture(scope="module")
def server(request, tmp_path_factory) -> Iterator[tuple[str, Services]]:
    with shipped_copy(request, "sqlite", tmp_path_factory.mktemp("browser"), "browser") as svc:
        svc.accounts.add_user("nau@example.org", role="nau", country="CA", password=PASSWORD)
        svc.accounts.add_user("nfp@example.org", role="nfp", country="CA", password=PASSWORD)
        with live_server(svc) as base:
            yield base, svc


@pytest.fixture(scope="module")
def browser(server, chromium):
    return chromium  # the worker's chromium (tests/conftest.py); each Walk has its own context


class Walk(shared.Walk):
    """The shared walk (tests/web/browser.py), its screenshots at the context's width only."""

    def shot(self, label: str) -> None:
        super().shot(label, phone=False)


def test_search_facet_lmo_matrix_decision(server, browser):
    base, _svc = server
    w = Walk(browser, base, "walk", viewport={"width": 1280, "height": 900})
    w.goto("/en/")
    w.axe()
    w.shot("home")
    w.page.fill("#q", "MON810")
    w.page.press("#q", "Enter")
    w.page.wait_for_url("**/en/search?q=MON810")
    w.axe()
    w.shot("search")
    w.page.click(".facets a:has-text('Living Modified Organism')")
    w.page.wait_for_url("**schema=modifiedOrganism**")
    assert w.page.locator(".active-filters .chip").count() == 1
    w.shot("facet")
    w.page.click("ul.results a:has-text('MON-ØØ81Ø-6 – MON810')")
    w.page.wait_for_url("**/en/lmos/**")
    assert MON810 in w.page.locator("h1").inner_text()
    matrix = w.page.locator("table.matrix")
    assert "Canada" in matrix.inner_text()
    assert w.page.locator("svg.worldmap path.st-approved").count() >= 1
    w.axe()
    w.shot("lmo")
    w.page.locator("table.matrix td a").first.click()
    w.page.wait_for_url("**/en/records/BCH-DEC-CA-**")
    assert "MON810" in w.page.locator("h1").inner_text()
    assert w.page.locator("a[href*='/en/records/BCH-LMO-SCBD-']").count() >= 1
    w.axe()
    w.shot("decision")
    w.close()


def test_language_switch_to_arabic_and_chinese(server, browser):
    base, _svc = server
    w = Walk(browser, base, "languages", viewport={"width": 1280, "height": 900})
    w.goto("/en/lmos/MON-00810-6")
    w.page.click("nav.langs a[hreflang='ar']")
    w.page.wait_for_url("**/ar/lmos/**")
    html = w.page.locator("html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    assert "كندا" in w.page.locator("table.matrix").inner_text()
    box = w.page.locator("a.brand").bounding_box()
    assert box and box["x"] > 640, "the site name sits on the right in Arabic"
    w.axe()
    w.shot("lmo-ar")
    w.page.click("nav.langs a[hreflang='zh']")
    w.page.wait_for_url("**/zh/lmos/**")
    assert w.page.locator("html").get_attribute("dir") == "ltr"
    assert "按国家和范围分列的决定" in w.page.content()
    w.axe()
    w.shot("lmo-zh")
    w.goto("/zh/search?q=maize")
    assert "找到" in w.page.locator("#results-h").inner_text()
    w.shot("search-zh")
    w.close()


def test_phone_layout(server, browser):
    base, _svc = server
    w = Walk(browser, base, "phone", viewport={"width": 375, "height": 740}, is_mobile=True)
    w.goto("/en/search?q=maize")
    width = w.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, f"the page scrolls sideways on a phone ({width}px)"
    w.shot("search")
    w.goto(f"/ar/lmos/{MON810}")
    w.shot("lmo-ar")
    w.close()


def test_national_user_submits_and_focal_point_approves(server, browser):
    base, svc = server
    nau = Walk(browser, base, "submit", viewport={"width": 1280, "height": 900})
    nau.goto("/en/sign-in")
    nau.page.fill("#email", "nau@example.org")
    nau.page.fill("#password", PASSWORD)
    nau.page.click("form.record button[type=submit]")
    nau.goto("/en/submit/biosafetyDecision")
    p = nau.page
    # the form's script shows and hides fields: Playwright waits for it (is_hidden() read the
    # page once, before the script had run on a loaded machine)
    expect = sync_api.expect
    p.check("input[name='header.languages'][value='fr']")
    p.click("button[value='save']")  # the French tabs appear
    p.wait_for_selector("#t-title-fr")
    expect(p.locator("#f-amendedRecords")).to_be_hidden()  # shown only for amendments
    p.check("input[name='isAmendment'][value='true']")
    expect(p.locator("#f-amendedRecords")).to_be_visible()
    p.check("input[name='isAmendment'][value='false']")
    p.fill("#i-title-en", "Approval of maize MON810 for food and feed (browser test)")
    p.click("#t-title-fr")
    p.fill("#i-title-fr", "Autorisation du maïs MON810 pour l'alimentation (test du navigateur)")
    p.fill("#i-date", "2026-11-02")
    p.check("#f-authorities .choices input", strict=False) if p.locator(
        "#f-authorities .choices input"
    ).count() else None
    p.fill("#a-authorities", "BCH-CNA-CA-34")
    expect(p.locator("#f-uses")).to_be_hidden()  # the LMO-FFP fields, also for narrower types
    p.check("input[name='decisionTypes'][value='DecisionTypes.ffpDomesticUse']")
    expect(p.locator("#f-uses")).to_be_visible()
    p.uncheck("input[name='decisionTypes'][value='DecisionTypes.ffpDomesticUse']")
    p.check("input[name='decisionTypes'][value='BE64016A-C3BD-4C61-9620-C3FEF96B2A24']")
    p.select_option("#i-decisionResult", "DecisionResults.approvalWithConditions")
    p.check("input[name='scopes'][value='DecisionScopes.food']")
    p.check("input[name='expires'][value='false']")
    p.fill("#a-modifiedOrganisms", "MON810")
    p.locator("#g-modifiedOrganisms button").first.wait_for()
    p.locator("#g-modifiedOrganisms button:has-text('MON-ØØ81Ø-6 – MON810')").first.click()
    nau.axe()
    nau.shot("form")
    p.click("button[value='request']")
    p.wait_for_url("**/en/my?requested=**")
    assert "Publication was requested" in p.content()
    nau.shot("requested")
    nau.close()

    nfp = Walk(browser, base, "approve", viewport={"width": 1280, "height": 900})
    nfp.goto("/fr/sign-in")
    nfp.page.fill("#email", "nfp@example.org")
    nfp.page.fill("#password", PASSWORD)
    nfp.page.click("form.record button[type=submit]")
    nfp.goto("/fr/queue")
    assert "browser test" in nfp.page.content() or "test du navigateur" in nfp.page.content()
    nfp.axe()
    nfp.shot("queue")
    nfp.page.click("button[value='approve']")
    nfp.page.wait_for_url("**/fr/queue?done=**")
    nfp.goto(f"/fr/lmos/{MON810}")
    assert "test du navigateur" in nfp.page.content()
    nfp.shot("lmo-fr")
    nfp.close()
    # "navigateur" alone also finds the decisions on Navigator™ Canola (a trade name they borrow
    # from their LMO, same French stem): both words
    found = svc.search.search(
        __import__("bch.services.search", fromlist=["SearchQuery"]).SearchQuery(
            q="navigateur test", filters={"schema": ["biosafetyDecision"]}
        )
    )
    assert len(found.items) == 1
    record = svc.records.get(found.items[0].identifier)
    assert set(record.document["title"]) == {"en", "fr"}
