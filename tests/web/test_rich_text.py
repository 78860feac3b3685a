"""Rich text (issue 17): sanitised once on the way in and stored sanitised; the API returns it as
stored; pages and embeds render it as HTML (escaped once, allowed tags as elements) while plain
text fields stay escaped; attacks in every rich-text field of every record type stay inert on the
record page, the revision diff, the search pages and the embeds, even in rows stored unsanitised
(before every publish went through the sanitiser). Both backends."""

from __future__ import annotations

import copy
import re
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup

from bch.records.realms import get_registry
from tests import factories
from tests.accounts.helpers import (
    PASSWORD,
    add_user,
    bearer,
    client_for,
    kenyan_authority,
    kenyan_decision,
)
from tests.module_db import BACKEND_PARAMS, module_database
from tests.web.rich_text_helpers import (
    ATTACK,
    assert_inert,
    plant_unsanitised,
    rich_document,
    rich_paths,
)

TYPED = "R&D costs < 5%"
STORED = "R&amp;D costs &lt; 5%"
RICH_TYPES = sorted(
    {
        (rt.realm, rt.name)
        for realm in get_registry().realms.values()
        for rt in realm.schemas.values()
        if rich_paths(rt.fields)
    }
)


@pytest.fixture
def kenya(services):
    add_user(services, "nfp@kenya.example.org", "nfp", "KE", password=PASSWORD)
    with client_for(services) as c:
        auth = bearer(c, "nfp@kenya.example.org")
        cna = kenyan_authority()
        _publish(c, auth, cna)
        yield c, auth, cna["header"]["identifier"]


def _publish(c, auth, doc) -> str:
    ident = doc["header"]["identifier"]
    assert c.put(f"/api/v1/drafts/{ident}", json=doc, headers=auth).status_code == 201
    r = c.post(f"/api/v1/drafts/{ident}/publish", headers=auth)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _base(uid: str) -> str:
    return uid.rsplit("-", 1)[0]


def test_rich_text_round_trips_publish_api_page_escaped_once(kenya):
    c, auth, cna_id = kenya
    doc = kenyan_decision(cna_id, "Maize <b>MON810</b> & co (synthetic)", "Maïs (synthétique)")
    doc["relevantInformation"] = {"en": TYPED}
    doc["decisionResult"] = {"identifier": "DecisionResults.approval"}
    doc["reasons"] = {"en": "<b>bold</b> reasons"}
    uid = _publish(c, auth, doc)

    body = c.get(f"/api/v1/records/{uid}").json()["document"]
    assert body["relevantInformation"] == {"en": STORED}  # the stored sanitised HTML
    assert body["reasons"] == {"en": "<b>bold</b> reasons"}

    html = c.get(f"/en/records/{_base(uid)}").text
    assert html.count(STORED) == 1 and "&amp;amp;" not in html and "&amp;lt;" not in html
    soup = assert_inert(html)
    texts = [block.get_text() for block in soup.select(".rich")]
    assert TYPED in texts  # what the reader sees
    bold = [b.get_text() for block in soup.select(".rich") for b in block.find_all("b")]
    assert bold == ["bold"]
    # a plain text field (the title) stays escaped: its tags are text, not elements
    assert "Maize &lt;b&gt;MON810&lt;/b&gt; &amp; co (synthetic)" in html
    assert soup.h1.get_text() == "Maize <b>MON810</b> & co (synthetic)"
    assert not soup.h1.find("b")


def test_a_second_save_and_publish_does_not_escape_again(kenya):
    c, auth, cna_id = kenya
    doc = kenyan_decision(cna_id, "Round trip (synthetic)", "Aller-retour (synthétique)")
    doc["relevantInformation"] = {"en": TYPED}
    uid = _publish(c, auth, doc)
    again = c.get(f"/api/v1/records/{uid}").json()[
        "document"
    ]  # what a client reads back and sends again
    edited = copy.deepcopy(doc)
    edited["relevantInformation"] = again["relevantInformation"]
    edited["title"]["en"] = "Round trip, edited (synthetic)"
    ident = doc["header"]["identifier"]
    r = c.put(f"/api/v1/drafts/{ident}", json=edited, headers={**auth, "If-Match": uid})
    assert r.status_code in (200, 201), r.text
    assert c.post(f"/api/v1/drafts/{ident}/publish", headers=auth).status_code == 201
    assert c.get(f"/api/v1/records/{ident}").json()["document"]["relevantInformation"] == {
        "en": STORED
    }
    assert c.get(f"/en/records/{_base(uid)}").text.count(STORED) == 1


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def attacked(request, tmp_path_factory):
    """One database and app per backend for the attacks on every record type (each attacks a
    record of its own), instead of a database and an app per record type."""
    with (
        module_database(request, tmp_path_factory, "rich_text") as services,
        client_for(services) as c,
    ):
        yield services, c


@pytest.mark.parametrize(("realm", "schema"), RICH_TYPES)
def test_attacks_in_every_rich_field_stay_inert(attacked, realm, schema):
    services, c = attacked
    rt = services.registry.record_type(schema, realm)
    paths = rich_paths(rt.fields)
    first = rich_document(rt, lambda path: f"one-{path}")
    second = {**rich_document(rt, lambda path: f"two-{path}"), "header": first["header"]}
    ident = first["header"]["identifier"]
    services.records.publish(first, strict=False)
    uid = services.records.publish(second, strict=False).uid
    stored = services.records.get(ident).document
    # sanitised on the way in: nothing of the attacks is stored
    assert not re.search(r"<script|onerror|onload|onclick|javascript:|data:|<iframe", str(stored))

    # rows stored before the sanitiser ran on every publish: the pages still run nothing
    plant_unsanitised(services, ident, first, 1)
    plant_unsanitised(services, ident, second, 2)
    base = _base(uid)
    page = c.get(f"/en/records/{base}")
    assert page.status_code == 200
    soup = assert_inert(page.text)
    shown = soup.get_text()
    for path in paths:
        assert f"two-{path}" in shown, path  # every rich field is on the page
    diff = c.get(f"/en/records/{base}/diff?from=1&to=2")
    assert diff.status_code == 200 and f"two-{paths[0]}" in assert_inert(diff.text).get_text()
    for url in (
        f"/en/search?q=two-{paths[0]}",
        f"/en/search?q={schema}",
        f"/embed/search?q=two-{paths[0]}",
        f"/embed/records/{base}",
    ):
        r = c.get(url)
        assert r.status_code == 200, url
        assert_inert(r.text)


def test_lmo_page_and_record_embed_render_the_description_as_html(services):
    org = factories.organization("Monsanto Canada Inc.")
    services.records.publish(org, strict=False)
    ident = factories.ident("lmo")
    lmo = {
        "header": {"identifier": ident, "schema": "modifiedOrganism", "languages": ["en"]},
        "transformationEvent": "MON810",
        "hasUniqueIdentification": True,
        "uniqueIdentification": "MON-ØØ81Ø-6",
        "developers": [{"identifier": org["header"]["identifier"]}],
        "description": {"en": f"<p>{TYPED} <b>bold</b></p>"},
        "relevantInformation": {"en": ATTACK.format(marker="lmo-marker")},
    }
    services.records.publish(lmo, strict=False)
    plant_unsanitised(services, ident, lmo, 1)
    with client_for(services) as c:
        page = c.get("/en/lmos/MON-%C3%98%C3%9881%C3%98-6")
        assert page.status_code == 200
        soup = assert_inert(page.text)
        assert page.text.count(STORED) == 1 and "lmo-marker" in soup.get_text()
        assert [b.get_text() for b in soup.select(".rich b")] == ["bold"]
        uid = services.records.get(ident).uid
        card = c.get(f"/embed/records/{uid}")
        soup = assert_inert(card.text)
        summary = soup.select_one(".summary")
        assert summary.get_text().strip() == f"{TYPED} bold" and summary.find("b")
        assert card.text.count(STORED) == 1


def test_long_descriptions_are_cut_as_text_in_the_embed(services):
    words = " ".join(f"w{i}&amp;x" for i in range(200))
    doc = {
        "header": {
            "identifier": factories.ident("lmo"),
            "schema": "modifiedOrganism",
            "languages": ["en"],
        },
        "transformationEvent": "LONG1",
        "description": {"en": f"<p><b>{words}</b></p>"},
    }
    uid = services.records.publish(doc, strict=False).uid
    with client_for(services) as c:
        card = c.get(f"/embed/records/{uid}")
    summary = BeautifulSoup(card.text, "html.parser").select_one(".summary")
    text = summary.get_text().strip()
    assert text.startswith("w0&x w1&x") and text.endswith(" …") and len(text) <= 402
    assert not summary.find_all(True) and "&amp;amp;" not in card.text


def test_shipped_descriptions_read_as_written(web):
    # KK179's applicant, as the CFIA names it: "Monsanto Canada Inc. & Forage Genetics ..."
    r = web.get("/en/lmos/" + quote("MON-ØØ179-5", safe=""))
    assert r.status_code == 200
    assert "Inc. &amp; Forage" in r.text and "&amp;amp;" not in r.text
    soup = assert_inert(r.text)
    assert any("Inc. & Forage" in block.get_text() for block in soup.select(".rich"))


def test_descriptions_stored_by_earlier_imports_display_correctly(services):
    """Imports before this change stored the sentence itself ("&" unescaped) in rich fields."""
    doc = {
        "header": {
            "identifier": factories.ident("lmo"),
            "schema": "modifiedOrganism",
            "languages": ["en"],
        },
        "transformationEvent": "KWS20-1",
        "description": {"en": "Traits: Glufosinate, glyphosate &amp; dicamba tolerance."},
    }
    uid = services.records.publish(doc, strict=False).uid
    legacy = {**doc, "description": {"en": "Traits: Glufosinate, glyphosate & dicamba tolerance."}}
    plant_unsanitised(services, doc["header"]["identifier"], legacy, 1)
    with client_for(services) as c:
        html = c.get(f"/en/records/{_base(uid)}").text
    assert html.count("glyphosate &amp; dicamba") == 1 and "&amp;amp;" not in html


def test_search_and_dublin_core_read_rich_text_as_text(services):
    doc = {
        "header": {
            "identifier": factories.ident("lmo"),
            "schema": "modifiedOrganism",
            "languages": ["en"],
        },
        "transformationEvent": "TXT1",
        "description": {"en": f"<p>{TYPED} <b>boldword</b></p>"},
    }
    services.records.publish(doc, strict=False)
    with client_for(services) as c:
        found = c.get("/api/v1/records", params={"q": "boldword costs"}).json()["items"]
        assert [i["identifier"] for i in found] == [doc["header"]["identifier"]]
        # the markup is not indexed: no "amp", "lt" or "b" words from the entities and tags
        assert c.get("/api/v1/records", params={"q": "amp"}).json()["items"] == []
        xml = c.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"}).text
    root = ElementTree.fromstring(xml)
    described = [e.text for e in root.iter("{http://purl.org/dc/elements/1.1/}description")]
    assert described == [f"{TYPED} boldword"]
