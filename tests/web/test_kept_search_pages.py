"""Search pages kept as rendered (issue 15 item 5): given again only while the search answer,
the URL and the organisms the facets name are the same, and never for a visitor with a cookie
or a token. Both backends."""

from __future__ import annotations

from tests import factories
from tests.web.conftest import client


def test_a_kept_search_page_follows_its_hits_and_the_organisms_it_names(small):
    svc, organism = small["svc"], small["organism"]
    c = client(svc)
    first = c.get("/en/search?q=zea")
    assert first.status_code == 200 and "Zea mays" in first.text
    kept = c.app.state.kept_search_pages
    assert len(kept._items) == 1
    assert c.get("/en/search?q=zea").text == first.text
    svc.records.publish(factories.organism("Zea diploperennis"), strict=False)
    assert "Zea diploperennis" in c.get("/en/search?q=zea").text  # a new hit: a new answer
    # the LMO is the hit; its organism, named in the facets, is revised: the hits are the
    # same unchanged records, the page shows the organism's new name
    before = c.get("/en/search?q=MON810")
    assert "Zea mays" in before.text and "Zea mays subsp. mays" not in before.text
    svc.records.publish({**organism, "scientificName": "Zea mays subsp. mays"}, strict=False)
    assert "Zea mays subsp. mays" in c.get("/en/search?q=MON810").text


def test_pages_of_visitors_with_a_cookie_or_a_token_are_not_kept(small):
    c = client(small["svc"])
    assert c.get("/en/search?q=zea").status_code == 200
    kept = c.app.state.kept_search_pages
    c.cookies.set("bch_session", "not-a-session")
    assert c.get("/en/search?q=maize").status_code == 200
    c.cookies.clear()
    assert c.get("/en/search?q=mon810", headers={"Authorization": "Bearer x"}).status_code == 200
    assert [key[1] for key in kept._items] == ["q=zea"]
