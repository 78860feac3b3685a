"""Issue 16 on the pages: the LMO page shows the source of each field, the other sources' values
as disagreements, and the countries ISAAA reports, apart from the clearing-house's decisions; the
country page lists the events ISAAA reports (shipped real data, SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.web.conftest import MON810

Q = quote(MON810, safe="")


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_mon810_page_shows_isaaa_countries_apart_from_decisions(web):
    html = web.get(f"/en/lmos/{Q}").text
    reported = _section(html, "rep-h")
    # country_event_approvals.csv: ISAAA lists MON-ØØ81Ø-6 as approved in Argentina and Japan
    assert 'href="/en/countries/AR"' in reported and 'href="/en/countries/JP"' in reported
    assert "reported by ISAAA" in reported
    # the clearing-house's own decisions on MON810 are Canada's only (CFIA)
    decisions = _section(html, "dec-h")
    assert "Argentina" not in decisions
    # the world map colours ISAAA-only countries as reported, Canada by its decisions
    assert re.search(
        r'class="c st-reported"[^>]*><title>Argentina: Reported approved by ISAAA', html
    )
    assert re.search(r'class="c st-approved[^"]*"[^>]*><title>Canada: ', html)


def test_mon810_page_shows_sources_and_disagreements(web):
    html = web.get(f"/en/lmos/{Q}").text
    sources = _section(html, "prov-h")
    assert "CBD Biosafety Clearing-House LMO registry (2026)" in sources
    # ISAAA 2019 lists glyphosate tolerance (cp4 epsps, goxv247) for MON810: shown, not merged
    assert (
        "ISAAA GM Approval Database (2019 scrape) gives “Glyphosate herbicide tolerance”" in sources
    )
    assert "“cp4 epsps”" in sources
    traits = html[
        html.index("<dt>Traits</dt>") : html.index("</dd>", html.index("<dt>Traits</dt>"))
    ]
    assert "Glyphosate" not in traits


@pytest.mark.parametrize("lang", ["ar", "es", "fr", "ru", "zh"])
def test_the_new_sections_are_translated(web, lang):
    html = web.get(f"/{lang}/lmos/{Q}").text
    assert "Approvals reported by ISAAA" not in html
    assert "Sources of this record" not in html
    assert 'id="rep-h"' in html and 'id="prov-h"' in html


def test_country_page_lists_events_reported_by_isaaa(web):
    html = web.get("/en/countries/AR").text
    reported = _section(html, "rep-h")
    assert f'href="/en/lmos/{Q}"' in reported
    assert "not decisions published by the country" in reported


def test_api_lmo_has_provenance_and_reported_approvals(web):
    body = web.get(f"/api/v1/lmos/{Q}").json()
    assert body["provenance"]["fields"]["traits"][0]["source"] == "bch2026"
    values = {d["value"] for d in body["provenance"]["disagreements"]}
    assert {"Glyphosate herbicide tolerance", "nptII"} <= values
    countries = {r["country"] for r in body["reportedApprovals"] if not r["forComponent"]}
    assert {"AR", "JP", "EU"} <= countries
    assert all(r["source"] == "ISAAA" for r in body["reportedApprovals"])
    # never a decision record of those countries
    assert {d["id"].split("-")[2] for d in body["decisions"]} <= {"CA"}
