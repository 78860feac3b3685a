"""Reading the clearing-house in a real browser (Playwright driving Debian's chromium against a
real server on 127.0.0.1 over a copy of the shipped data): the LMO page of a single event
(MON810) and of a stack in ar, en and zh with no untranslated interface string; a decision found
by UID, event name and crop in each of the six languages; axe-core (WCAG 2.1 AA) on each page
type in the six languages; screenshots at desktop and phone width in test-artifacts/ with
`make screenshots` (SCREENSHOTS=1, tests/web/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import bch.web
from bch.records.languages import LANGUAGES
from bch.services.container import Services
from tests.oai.live import live_server
from tests.templates import shipped_copy
from tests.web.browser import Walk as SharedWalk
from tests.web.test_browser import Walk

pytestmark = pytest.mark.xdist_group("browser-1")

STACK = "MON-ØØ6Ø3-6 × MON-ØØ81Ø-6"  # NK603 x MON810: no decision of its own in the data
LOCALE = Path(bch.web.__file__).with_name("locale")
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True}
# a crop name as a person of each language types it (the Crops thesaurus, not the data)
CROP = {
    "ar": "الذرة",
    "en": "maize",
    "es": "maíz",
    "fr": "maïs",
    "ru": "кукуруза",
    "zh": "玉米",
}
# the raw words the external-databases section printed in every language
RAW = ("not available offline", "snapshot", "food", "approved", "cfia")


@pytest.fixture(scope="module")
def server(request, tmp_path_factory) -> Iterator[tuple[str, Services]]:
    folder = tmp_path_factory.mktemp("reading")
    with shipped_copy(request, "sqlite", folder, "reading") as svc, live_server(svc) as base:
        yield base, svc


@pytest.fixture(scope="module")
def browser(server, chromium):
    return chromium  # the worker's chromium (tests/conftest.py); each Walk has its own context


def english_only(lang: str) -> set[str]:
    """Interface strings whose translation into `lang` differs from the English: seeing one of
    them on a `lang` page means a string was not translated."""
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    out = set()
    for m in catalog:
        mid = m.id[0] if isinstance(m.id, tuple) else m.id
        text = m.string[0] if isinstance(m.string, tuple) else m.string
        if mid and "%(" not in mid and text and text != mid and len(mid) > 3:
            out.add(mid)
    return out


TEXTS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode.textContent.trim();
    if (t) out.push(t);
  }
  document.querySelectorAll('main [aria-label], main [title], main img[alt]').forEach(el => {
    ['aria-label', 'title', 'alt'].forEach(a => { if (el.getAttribute(a)) out.push(el.getAttribute(a)); });
  });
  return out;
}"""


def untranslated(page, lang: str) -> list[str]:
    english = english_only(lang)
    return sorted({t for t in page.evaluate(TEXTS) if t in english})


def load_external(page) -> str:
    """Click the explicit "look in external databases" action and wait for the answer."""
    page.click("[data-load-external]")
    page.wait_for_selector(".external-result .matches", timeout=30_000)
    return page.locator(".external-result").inner_text()


@pytest.mark.parametrize("lang", ["ar", "en", "zh"])
def test_lmo_pages_of_an_event_and_a_stack(server, browser, lang):
    base, _svc = server
    w = Walk(browser, base, f"reading-lmo-{lang}", **DESKTOP)
    w.goto(f"/{lang}/lmos/MON810")  # a name resolves as the API does
    w.page.wait_for_url("**/lmos/MON-%C3%98%C3%9881%C3%98-6")
    p = w.page
    assert p.locator("html").get_attribute("lang") == lang
    assert p.locator("table.matrix").count() == 1
    assert p.locator("svg.worldmap path.st-approved").count() >= 1
    # each thing once: the decisions, the detection methods, the reference materials, stacks
    assert p.locator("ul.decisions li").count() == 3
    codes = p.locator("#det-h ~ .table-wrap td .mono").all_inner_texts()
    assert codes and len(codes) == len(set(codes)), codes
    materials = p.locator("#det-h ~ ul.links li .mono").all_inner_texts()
    assert sorted(materials) == ["ERM-BF413", "ERM-BF413k"]
    stack_titles = p.locator("section[aria-labelledby=rel-h] li").all_text_contents()
    assert len(stack_titles) == len(set(stack_titles)) > 10
    assert p.locator("section[aria-labelledby=incoming-h]").count() == 0
    # the external databases load on request only
    assert p.locator(".external-result .matches").count() == 0
    external = load_external(p)
    assert "Canada" in external or "كندا" in external or "加拿大" in external
    if lang != "en":
        for word in RAW:
            assert word not in external, f"{lang}: raw {word!r} in the external section"
    else:
        assert external.count("not available offline") <= 1 or "answered" in external
    assert untranslated(p, lang) == []
    w.axe()
    w.shot("event")

    w.goto(f"/{lang}/lmos/{STACK}")
    p = w.page
    assert p.locator("table.matrix").count() == 2, "the matrices of the two components"
    assert "MON-ØØ81Ø-6" in p.locator("table.matrix caption").last.inner_text()
    assert p.locator("svg.worldmap path.st-approved").count() >= 1, "the map is not empty"
    assert p.locator("ul.decisions li").count() == 6
    img = p.locator(".quicklink img")
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    uid = p.locator(".quicklink figcaption .uid")
    assert uid.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "the UID is clipped"
    assert p.locator("bdi", has_text="MON-ØØ6Ø3-6 × MON-ØØ81Ø-6").count() >= 1
    external = load_external(p)
    if lang != "en":
        for word in RAW:
            assert word not in external, f"{lang}: raw {word!r} in the external section"
    assert untranslated(p, lang) == []
    w.axe()
    w.shot("stack")
    w.close()


def test_quicklink_image_holds_a_long_stack_uid(server):
    from bch.web.quicklink import image, uid_lines

    uid = "DAS-Ø15Ø7-1 × DAS-59122-7 × MON-ØØ81Ø-6 × SYN-IR6Ø4-5 × MON-ØØ6Ø3-6"
    lines = uid_lines(uid)
    assert len(lines) > 1 and all(len(line) <= 28 for line in lines)
    assert "".join(lines).count("×") == 4
    svg = image("http://127.0.0.1/x", uid, "Optimum Intrasect Xtreme")
    assert svg.count('font-weight="bold"') == len(lines)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_finds_a_decision_by_uid_event_and_crop(server, browser, lang):
    base, _svc = server
    w = Walk(browser, base, f"reading-search-{lang}", **DESKTOP)
    for label, q in (("uid", "MON-ØØ81Ø-6"), ("event", "MON810"), ("crop", CROP[lang])):
        w.goto(f"/{lang}/search")
        w.page.fill("#q", q)
        w.page.press("#q", "Enter")
        w.page.wait_for_load_state()
        w.page.click(".facets a[href*='schema=biosafetyDecision']")
        w.page.wait_for_url("**schema=biosafetyDecision**")
        hits = w.page.locator("ul.results li").all_inner_texts()
        assert hits, f"{lang}: no decision found by {label} {q!r}"
        if label != "crop":
            assert any("MON810" in h for h in hits), hits
        else:
            crops = w.page.locator(".facets section", has=w.page.locator("a[href*='organism=']"))
            assert "Zea mays" in crops.inner_text()
        # the decision's own date, not the import time
        assert not any("2026" in h.split("·")[-1] for h in hits[:5]), hits[:5]
        if label == "uid":
            assert untranslated(w.page, lang) == []
            w.axe()
            w.shot("search")
    w.close()


def test_results_page_pages_downloads_lmo_filter_and_phone(server, browser):
    base, _svc = server
    w = Walk(browser, base, "reading-results", **DESKTOP)
    w.goto("/en/search?schema=biosafetyDecision&country=CA&country=US")
    p = w.page
    assert "any of them" in p.locator(".active-filters").inner_text()
    assert p.locator("nav.pager a[aria-current=page]").inner_text() == "1"
    p.click("nav.pager a[aria-label='Page 3']")
    p.wait_for_url("**page_no=3**")
    assert p.locator("nav.pager a[aria-current=page]").inner_text() == "3"
    permalink = p.locator("#permalink").input_value()
    assert "page_no=3" in permalink and "country=US" in permalink
    with p.expect_download() as dl:
        p.click(".result-tools a:has-text('CSV')")
    body = Path(dl.value.path()).read_text(encoding="utf-8-sig")
    assert body.splitlines()[0].startswith("Identifier,Record type,Title")
    assert len(body.splitlines()) > 100
    w.axe()
    w.shot("pages")
    w.goto("/en/search?lmoUid=MON-00810-6&schema=biosafetyDecision")
    assert "3 records found" in p.locator("#results-h").inner_text()
    assert "MON-ØØ81Ø-6" in p.locator(".active-filters").inner_text()
    w.close()

    phone = Walk(browser, base, "reading-phone", **PHONE)
    phone.goto("/en/search?q=maize")
    hits = phone.page.locator(".hits").bounding_box()
    facets = phone.page.locator(".facets").bounding_box()
    assert hits and facets and hits["y"] < facets["y"], "results come before the filters"
    phone.shot("search")
    phone.goto(f"/en/lmos/{STACK}")
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, f"the LMO page scrolls sideways on a phone ({width}px)"
    phone.shot("lmo-stack")
    phone.goto("/ar/lmos/MON810")
    phone.shot("lmo-ar")
    phone.close()


PAGE_TYPES = {
    "home": "/{lang}/",
    "search": "/{lang}/search?q=MON810",
    "lmo": "/{lang}/lmos/MON810",
    "stack": "/{lang}/lmos/" + STACK,
    "country": "/{lang}/countries/CA",
    "registry": "/{lang}/registries/lmos",
    "record": "/{lang}/search?schema=biosafetyDecision&q=MON810",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_on_each_page_type(server, browser, lang):
    """Each page type at desktop width in each of the six languages: axe-core (WCAG 2.1 A and
    AA) finds no violation. Decision (issue 10 item 6): axe is kept in all six languages, as it
    reports only violations and is in each page of the walk from the start, which made a run
    several times cheaper (tests/web/browser.py). At phone width, in all six languages: no page
    type scrolls sideways (the shared Walk.shot narrows the same page to 375 px and back) and
    each page asks a phone to lay it out at the phone's own width (the viewport meta element,
    which a phone context, `is_mobile`, follows). Decision (issue 10 item 6, bench/RESULTS.md
    "2026-12-04"): the pass that loaded every page again in a phone context in ar, en and zh
    asserted no more than these two and is gone; SCREENSHOTS=1 (`make screenshots`) still takes
    each page at desktop and phone width."""
    base, _svc = server
    w = SharedWalk(browser, base, f"reading-types-{lang}", axe_each_page=True, **DESKTOP)
    for kind, path in PAGE_TYPES.items():
        w.goto(path.format(lang=lang))
        if kind == "record":  # a decision's own page
            w.page.locator("ul.results a").first.click()
            w.page.wait_for_url("**/records/**")
        w.axe()
        viewport = w.page.locator("meta[name=viewport]").get_attribute("content") or ""
        assert "width=device-width" in viewport, f"{lang} {kind}: viewport {viewport!r}"
        w.shot(kind)  # at 375 px: no sideways scroll
    w.close()


def test_print_stylesheet_drops_menus(server, browser):
    base, _svc = server
    w = Walk(browser, base, "reading-print", **DESKTOP)
    w.goto("/en/lmos/MON810")
    w.page.emulate_media(media="print")
    assert not w.page.locator("nav.main-nav").is_visible()
    assert not w.page.locator("footer.site").is_visible()
    assert w.page.locator("table.matrix").is_visible()
    pdf = w.page.pdf(format="A4")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages < 8, f"MON810 prints as {pages} pages"
    w.close()
