"""The read pages over the shipped real data, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import pytest

from tests.web.conftest import EXTERNAL, MON810

LANGS = ("ar", "en", "es", "fr", "ru", "zh")
Q = quote(MON810, safe="")


def main_text(html: str) -> set[str]:
    """Interface text of a page, without the record titles (data, here English only)."""
    chunks = {t.strip() for t in re.findall(r">([^<>{}]{4,60})<", html)}
    titles = set(re.findall(r'<a href="/\w\w/records/[^"]+">([^<]+)</a>', html))
    return {t for t in chunks if t and t not in titles and t not in ("English", "Français")}


@pytest.mark.parametrize("lang", LANGS)
def test_home_in_each_language(web, lang):
    r = web.get(f"/{lang}/")
    assert r.status_code == 200
    html = r.text
    assert re.search(rf'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"', html)
    assert not EXTERNAL.search(html), "a page loads something from another host"
    for code in LANGS:  # the language switcher links the same page in every language
        assert f'href="/{code}/"' in html
    assert 'href="/en/records/BCH-DEC-CA-' in html or f'href="/{lang}/records/BCH-DEC-CA-' in html
    assert len(r.content) < 200_000


def test_root_redirects_by_accept_language(web):
    assert web.get("/").headers["location"] == "/en/"
    r = web.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert r.headers["location"] == "/fr/"
    r = web.get("/", headers={"Accept-Language": "zh-Hans-CN"})
    assert r.headers["location"] == "/zh/"


def test_chinese_home_is_translated(web):
    en, zh = web.get("/en/").text, web.get("/zh/").text
    assert "搜索" in zh and "最新决定" in zh
    common = main_text(en) & main_text(zh)
    assert len(common) < 0.2 * len(main_text(en)), common


def test_unknown_language_and_record_are_html_404(web):
    assert web.get("/de/").status_code == 404
    r = web.get("/en/records/BCH-LMO-SCBD-999999")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "<h1>Not found</h1>" in r.text


def test_search_facets_filters_and_pages(web):
    r = web.get("/en/search?q=maize")
    assert r.status_code == 200
    total = int(re.search(r"([\d,]+) records found", r.text).group(1).replace(",", ""))
    assert total > 20
    facet = re.search(r'href="(/en/search\?q=maize&amp;schema=modifiedOrganism)"', r.text)
    assert facet, "record type facet"
    r2 = web.get(facet.group(1).replace("&amp;", "&"))
    filtered = int(re.search(r"([\d,]+) records found", r2.text).group(1).replace(",", ""))
    assert 0 < filtered < total
    assert "Active filters" in r2.text
    assert re.search(r'<a href="/en/search\?q=maize" class="chip">', r2.text), "removable filter"
    trait = re.search(r'href="(/en/search\?[^"]*trait=dnaSequenceTraits\.[a-z]+)"', r2.text)
    assert trait, "trait facet"
    nxt = re.search(r'href="([^"]*page_no=2)" rel="next"', r2.text)
    assert nxt, "numbered pages"
    r3 = web.get(nxt.group(1).replace("&amp;", "&"))
    assert r3.status_code == 200
    first = re.findall(r'<a href="(/en/records/[^"]+)"', r2.text)
    second = re.findall(r'<a href="(/en/records/[^"]+)"', r3.text)
    assert first and second and not set(first) & set(second)


def test_search_by_country_region_and_decision_facets(web):
    r = web.get("/fr/search?schema=biosafetyDecision")
    assert "Canada" in r.text
    assert re.search(r"decisionResult=DecisionResults\.approval", r.text)
    assert "Amériques" in r.text  # region facet in the page language
    r = web.get(
        "/en/search?schema=biosafetyDecision&country=CA&decisionResult=DecisionResults.approval"
    )
    assert r.status_code == 200 and "records found" in r.text


def test_cursor_links_still_work(web):
    """Links made before numbered pages (?cursor=) keep working."""
    from bch.services.search import SearchQuery

    svc = web.app.state.services
    first = svc.search.search(SearchQuery(q="maize", sort="relevance", limit=20, lang="en"))
    r = web.get(f"/en/search?q=maize&cursor={first.next}")
    assert r.status_code == 200 and 'rel="next"' in r.text


def test_page_past_the_last_goes_to_the_last(web):
    r = web.get("/en/search?q=MON810&page_no=999")
    assert r.status_code == 302 and "page_no=" in r.headers["location"]
    assert web.get(r.headers["location"]).status_code == 200


def test_search_downloads(web):
    base = "/en/search?q=MON810&schema=biosafetyDecision"
    csv_ = web.get(base + "&format=csv")
    assert csv_.status_code == 200 and csv_.headers["content-type"].startswith("text/csv")
    rows = csv_.content.decode("utf-8-sig").splitlines()
    assert rows[0].split(",")[:3] == ["Identifier", "Record type", "Title"]
    assert len(rows) == 4 and all("1997-" in r for r in rows[1:])  # the decisions' dates
    nd = web.get(base + "&format=ndjson")
    lines = [json.loads(x) for x in nd.text.splitlines()]
    assert len(lines) == 3 and {x["schema"] for x in lines} == {"biosafetyDecision"}
    assert all(x["document"]["modifiedOrganisms"] for x in lines)
    xlsx = web.get(base + "&format=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_search_by_lmo_uid_and_names(web):
    r = web.get("/fr/search?lmoUid=MON-%C3%98%C3%9881%C3%98-6&schema=biosafetyDecision")
    assert "3 fiches trouvées" in r.text, r.text[-3000:]
    assert "MON-ØØ81Ø-6" in r.text  # the active filter, named
    r = web.get("/zh/search?q=%E7%8E%89%E7%B1%B3&schema=biosafetyDecision")  # 玉米
    assert "玉米（Zea mays）" in r.text  # the crop facet, in the page language
    r = web.get("/en/lmos/MON810")
    assert r.status_code == 302 and r.headers["location"] == f"/en/lmos/{Q}"
    r = web.get("/en/lmos/YieldGard")  # a brand of several events: the search for it
    assert r.status_code == 302 and "/en/search?q=YieldGard" in r.headers["location"]
    assert web.get("/en/lmos/no-such-lmo-name").status_code == 404


def test_bad_cursor_is_a_clear_html_error(web):
    r = web.get("/en/search?q=maize&cursor=nonsense")
    assert r.status_code == 400 and "cursor" in r.text and "Traceback" not in r.text


def test_lmo_page_matrix_map_links(web):
    r = web.get("/en/lmos/MON-00810-6")
    assert r.status_code == 301 and r.headers["location"] == f"/en/lmos/{Q}"
    r = web.get(f"/en/lmos/{Q}")
    assert r.status_code == 200
    html = r.text
    assert '<table class="matrix">' in html and "Canada" in html
    assert '<svg class="worldmap"' in html and 'class="c st-approved"' in html
    assert "Approved with conditions" in html  # the legend
    assert re.search(r'href="/en/records/BCH-DEC-CA-\d+', html), "links to decisions"
    assert f"/en/lmos/{Q}/quicklink.svg" in html
    assert "QL-EVE-ZM-001" in html  # detection methods
    assert "ERM-BF413" in html and "Reference materials" in html  # named on BioTrack / EU register
    assert "Zea mays" in html  # organism
    assert "Stacked LMOs that contain this LMO" in html
    assert re.search(r'href="/en/records/BCH-LMO-SCBD-\d+"', html), "stacks link back"
    assert f'data-fragment="/en/lmos/{Q}/matches?methods=false"' in html
    assert html.count(">QL-EVE-ZM-001<") == 1  # listed by EURL-GMFF and EUginius: one row
    assert html.count(">ERM-BF413<") == 1  # a reference material once
    assert "Records that refer to this record" not in html  # decisions and stacks listed once
    without_map = re.sub(r"<svg class=\"worldmap\".*?</svg>", "", html, flags=re.S)
    assert len(without_map.encode()) < 200_000


def test_record_uid_redirects_to_lmo_page_and_decision_links_back(web):
    lmo = web.get(f"/en/lmos/{Q}").text
    decision = re.search(r'href="(/en/records/BCH-DEC-CA-\d+)"', lmo).group(1)
    page = web.get(decision).text
    assert "Corn MON810" in page or "MON810" in page
    assert "Competent National Authority" in page
    lmo_link = re.search(r'href="(/en/records/BCH-LMO-SCBD-\d+)"', page).group(1)
    r = web.get(lmo_link)
    assert r.status_code == 302 and r.headers["location"] == f"/en/lmos/{Q}"


def test_quicklink_image(web):
    r = web.get(f"/en/lmos/{Q}/quicklink.svg")
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert MON810 in r.text and "YieldGard" in r.text and "<path" in r.text


def test_arabic_lmo_page_names_countries_and_terms_in_arabic(web):
    html = web.get(f"/ar/lmos/{Q}").text
    assert 'dir="rtl"' in html
    assert "كندا" in html  # Canada from CLDR
    assert "الأغذية" in html  # the Food scope from the thesaurus


@pytest.mark.parametrize("kind", ["lmos", "organisms", "genetic-elements", "laboratories"])
def test_registries(web, kind):
    r = web.get(f"/en/registries/{kind}")
    assert r.status_code == 200 and "<table" in r.text
    assert len(r.content) < 200_000


def test_registry_sorting_and_downloads(web):
    asc = web.get("/en/registries/lmos?sort=1").text
    desc = web.get("/en/registries/lmos?sort=1&desc=1").text
    assert 'aria-sort="ascending"' in asc and 'aria-sort="descending"' in desc
    # the cells' text without the <bdi> that isolates names in right-to-left pages
    first_asc = [
        re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<tr><td>.*?</td><td>(.*?)</td>", asc)
    ]
    first_desc = [
        re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<tr><td>.*?</td><td>(.*?)</td>", desc)
    ]
    assert first_asc[0] != first_desc[0]
    assert first_asc == sorted(first_asc, key=str.casefold)
    r = web.get("/en/registries/lmos?format=csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "Unique identifier", "Transformation event"]
    assert len(rows) == 1056  # the 1,055 shipped LMOs (issue 16: with the BCH registry 2026)
    assert any(MON810 in row for row in rows)
    r = web.get("/es/registries/lmos?format=xlsx")
    assert r.content[:2] == b"PK"  # a zip container
    assert "attachment" in r.headers["content-disposition"]


def test_country_profile(web):
    r = web.get("/ru/countries/ca")
    assert r.status_code == 301
    html = web.get("/ru/countries/CA").text
    assert "Канада" in html
    assert '<svg class="chart"' in html and "<rect" in html
    assert "Canadian Food Inspection Agency" in html or "Агентство" in html
    assert "Canada" in web.get("/en/countries").text


def test_year_chart_reads_at_one_value_and_at_a_thousand():
    from bch.web.countries import year_chart

    one = str(year_chart({"2020": 3}, "one year"))
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', one).group(1))
    bar = float(re.search(r'<rect [^>]*width="([\d.]+)"', one).group(1))
    assert width == 640 and bar <= 600 / 12  # one bar, not the whole width (2,500 px tall)
    assert ">3</text>" in one  # the value is written on the bar
    many = str(year_chart({str(1000 + i): i % 7 + 1 for i in range(1000)}, "a thousand"))
    assert float(re.search(r'viewBox="0 0 ([\d.]+)', many).group(1)) == 640
    assert many.count("<rect") == 1000
    labels = re.findall(r"rotate\(-60[^>]*>(\d{4})</text>", many)
    assert 10 <= len(labels) <= 21  # about twenty year labels, never a thousand
