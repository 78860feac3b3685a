"""National registers and the CHM realm on the pages and in the API, over the shipped data and on
both backends (issue 16 items 4 and 7)."""

from __future__ import annotations

import re

AU_DIR203 = "DIR 203: Cotton (Gossypium hirsutum L.) field trial"


def _facet(body: dict, name: str) -> dict[str, int]:
    return {e["value"]: e["count"] for e in body["facets"][name]}


def test_api_serves_both_realms(web):
    body = web.get("/api/v1/records?facet=realm&facet=schema&realm=CHM&total=true&limit=50").json()
    assert body["total"] == 31
    assert _facet(body, "schema") == {"organization": 15, "event": 4, "cooperativeActivity": 12}
    assert {i["realm"] for i in body["items"]} == {"CHM"}
    everything = web.get("/api/v1/records?facet=realm&limit=1&total=true").json()
    assert _facet(everything, "realm") == {"BCH": 1589, "CHM": 31}
    # a CHM activity links to its organizations and its event
    activity = web.get(
        "/api/v1/records?realm=CHM&schema=cooperativeActivity&q=IPPC%20CBD%20secretariats&limit=5"
    ).json()["items"]
    record = web.get(activity[0]["url"]).json()
    assert record["realm"] == "CHM" and record["schema"] == "cooperativeActivity"


def test_realm_page_on_the_web(web):
    home = web.get("/en/").text
    assert 'href="/en/search?realm=CHM">Clearing-House Mechanism</a>' in home
    html = web.get("/en/search?realm=CHM").text
    assert "Clearing-House Mechanism" in html and "31 records found" in html.replace(",", "")
    fr = web.get("/fr/search").text
    assert "Centre d&#39;échange" in fr or "Centre d'échange" in fr  # the realm facet, in French


def test_australia_has_field_trial_decisions_with_a_site_map(web):
    r = web.get("/api/v1/records?country=AU&schema=biosafetyDecision&total=true&limit=20").json()
    assert r["total"] == 12
    item = next(i for i in r["items"] if i["title"]["en"] == AU_DIR203)
    page = web.get(f"/en/records/{item['id']}")
    assert page.status_code == 200
    html = page.text
    assert 'class="worldmap sitemap"' in html
    # 8 sites at 3 state reference points (the source gives no site coordinates): hollow
    markers = re.findall(r'<circle class="site approx"[^>]*data-sites="(\d+)"', html)
    assert sorted(int(n) for n in markers) == [1, 2, 5]
    assert "Goondiwindi Regional Council" in html and "Office of the Gene Technology" in html
    country = web.get("/en/countries/AU").text
    assert "Office of the Gene Technology Regulator" in country  # its competent authority
    decisions = country[country.index('id="dec-h"') :]
    assert '<span class="count">12</span>' in decisions[:200]
    assert "search?schema=biosafetyDecision&amp;country=AU" in decisions  # undated: no chart


def test_focal_point_on_a_country_page(web):
    r = web.get("/api/v1/records?country=AL&schema=focalPoint&limit=5").json()
    [item] = r["items"]
    assert item["title"]["en"] == "Ministry of Tourism and Environment"
    html = web.get("/en/countries/AL").text
    assert "Ministry of Tourism and Environment" in html


def test_record_pages_name_their_sources(web):
    [item] = web.get("/api/v1/records?country=AL&schema=focalPoint&limit=5").json()["items"]
    html = web.get(f"/en/records/{item['id']}").text
    assert "Sources of this record" in html
    assert "CBD Biosafety Clearing-House national focal point list" in html
    assert "bch_stubs.json" in html
    [event] = web.get("/api/v1/records?realm=CHM&schema=event&q=Round%20table&limit=5").json()[
        "items"
    ]
    html = web.get(f"/en/records/{event['id']}").text
    assert "Note by the Executive Secretary on cooperation" in html
