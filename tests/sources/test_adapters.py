"""Each live adapter against a real local HTTP server serving reconstructed pages (pages.py)."""

from __future__ import annotations

import asyncio

import pytest

from bch.sources.base import SourceParseError, SourceTimeout, SourceUnavailable, Target
from bch.sources.biotrack import BioTrack
from bch.sources.biotradestatus import BioTradeStatus
from bch.sources.cera import Cera
from bch.sources.croplife import CropLife
from bch.sources.eu_register import EuRegister
from bch.sources.euginius import Euginius
from bch.sources.eurl_gmff import EurlGmff
from bch.sources.fao import Fao
from bch.sources.gmo_compass import GmoCompass
from bch.sources.http import USER_AGENT, SourceHttp
from bch.sources.isaaa import Isaaa
from tests.sources import pages
from tests.sources.conftest import HANG

MON810 = Target("MON-00810-6", "MON-ØØ81Ø-6", event_names=("MON810",))


def http(**kw) -> SourceHttp:
    return SourceHttp(**{"min_interval": 0.0, "backoff": 0.01, "timeout": 2.0, **kw})


def run(coro):
    return asyncio.run(coro)


def test_biotrack_product_page_with_country_tables_and_reference_materials(site):
    s = site(
        {"/Product.aspx?id=MON-ØØ863-5 x MON-ØØ81Ø-6&style=print": pages.BIOTRACK_MON863_MON810}
    )
    target = Target(
        "MON-00810-6+MON-00863-5",
        "MON-ØØ81Ø-6 × MON-ØØ863-5",
        ("MON-00810-6", "MON-00863-5"),
        source_ids={"biotrack": "MON-ØØ863-5 x MON-ØØ81Ø-6"},
    )
    [rec] = run(BioTrack().fetch(http(), s.url, target))
    assert rec.uid_key == "MON-00810-6+MON-00863-5"
    assert rec.name == "MON863 x MON810"
    assert {(a.country, a.use, a.date) for a in rec.approvals} == {
        ("EU", "food", "2010-03-02"),
        ("EU", "feed", "2010-03-02"),
        ("EU", "processing", "2002-05-09"),  # second table without heading: previous country
    }
    assert rec.reference_materials == ["ERM-BF416", "ERM-BF413"]
    assert "%C3%98" in rec.url  # Ø percent-encoded as the real site's links


def test_biotrack_unknown_id_is_no_record_and_garbage_is_a_parse_error(site):
    s = site({"/Product.aspx?id=MON-ØØ81Ø-6&style=print": pages.BIOTRACK_EMPTY, "*": pages.GARBAGE})
    assert run(BioTrack().fetch(http(), s.url, MON810)) == []
    other = Target("DAS-01507-1", "DAS-Ø15Ø7-1")
    with pytest.raises(SourceParseError):
        run(BioTrack().fetch(http(), s.url, other))


def test_biotrack_crawl_reads_the_listing_then_each_product(site):
    s = site(
        {
            "/byTrait.aspx?style=print": pages.BIOTRACK_LISTING,
            "/Product.aspx?id=MON-ØØ81Ø-6&style=print": pages.BIOTRACK_MON810,
            "/Product.aspx?id=MON-ØØ863-5 x MON-ØØ81Ø-6&style=print": pages.BIOTRACK_MON863_MON810,
        }
    )
    ticks = []
    recs = run(BioTrack().crawl(http(), s.url, progress=ticks.append))
    assert [r.uid_key for r in recs] == ["MON-00810-6", "MON-00810-6+MON-00863-5"]
    assert ticks == [2, 2]
    canada = [a for a in recs[0].approvals if a.country == "CA"]
    assert {(a.use, a.date) for a in canada} == {("feed", "1997-01-22"), ("food", "1997-02-17")}


def test_isaaa_event_page_years_come_from_the_inline_script(site):
    s = site({"/gmapprovaldatabase/event/default.asp?EventID=85": pages.ISAAA_MON810})
    target = Target("MON-00810-6", "MON-ØØ81Ø-6", source_ids={"isaaa": "85"})
    [rec] = run(Isaaa().fetch(http(), s.url + "gmapprovaldatabase/", target))
    assert (rec.name, rec.uid, rec.uid_key) == ("MON810", "MON-ØØ81Ø-6", "MON-00810-6")
    assert rec.trade_names == ["YieldGard™", "MaizeGard™"]
    assert rec.crop == "Zea mays L. - Maize, Corn"
    assert rec.developer.startswith("Monsanto Company")
    assert rec.updated == "2023-11-07"
    years = {(a.country, a.use): a.date for a in rec.approvals}
    assert years[("CA", "food")] == "1997" and years[("EU", "cultivation")] == "1998"
    assert len(rec.approvals) == 6
    assert [a.detail for a in rec.approvals if a.country == "EU" and a.use == "food"] == [
        "note: see page"
    ]


def test_isaaa_without_event_id_searches_the_listing_and_ignores_the_bugged_event_param(site):
    s = site(
        {
            "/gmapprovaldatabase/advsearch/default.asp?CropID=Any&TraitTypeID=Any&DeveloperID=Any"
            "&CountryID=Any&ApprovalTypeID=Any": pages.ISAAA_LISTING,
            "/gmapprovaldatabase/event/default.asp?EventID=405": pages.ISAAA_MON87403,
            "/gmapprovaldatabase/event/default.asp?EventID=85": pages.ISAAA_MON810,
        }
    )
    target = Target("MON-87403-1", "MON-874Ø3-1", event_names=("MON87403",))
    [rec] = run(Isaaa().fetch(http(), s.url + "gmapprovaldatabase/", target))
    assert rec.record_id == "405" and rec.uid_key == "MON-87403-1" and rec.trade_names == []
    crawled = run(Isaaa().crawl(http(), s.url + "gmapprovaldatabase/"))
    assert [r.record_id for r in crawled] == ["85", "405"]


def test_euginius_gmo_page_methods_and_application_with_jsessionid(site):
    s = site(
        {
            "/euginius/pages/gmo_detail.jsf?gmoname=MON810": pages.EUGINIUS_MON810,
            "/euginius/pages/application_detail.jsf?application=-3743726497822912611": (
                pages.EUGINIUS_APPLICATION
            ),
        }
    )
    [rec] = run(Euginius().fetch(http(), s.url, MON810))
    assert rec.uid_key == "MON-00810-6" and rec.trade_names == ["YieldGard Corn Borer"]
    codes = [m["code"] for m in rec.methods]
    assert codes == ["QL-EVE-ZM-001", "QT-EVE-ZM-020", "QL-ELE-00-001"]
    assert rec.methods[1]["standardisation"] == "EU reference method"
    assert {(a.use, a.date, a.status) for a in rec.approvals} == {
        ("food", "2015-04-24", "approved"),
        ("feed", "2015-04-24", "approved"),
        ("cultivation", "2015-04-24", "not submitted"),
    }
    assert all("expires 2025-04-23" in a.detail for a in rec.approvals)


def test_gmomethods_listing_pagination_and_method_page(site):
    s = site(
        {
            "/gmomethods/?page=1": pages.GMOMETHODS_PAGE1,
            "/gmomethods/?page=2": pages.GMOMETHODS_PAGE2,
            "/gmomethods/show/QL-EVE-ZM-001/": pages.GMOMETHODS_QL_EVE_ZM_001,
        }
    )
    [rec] = run(EurlGmff().fetch(http(), s.url + "gmomethods/", MON810))
    method = rec.methods[0]
    assert (rec.record_id, method["target"]) == ("QL-EVE-ZM-001", "MON810 insert (Maize)")
    assert method["validationReport"].endswith("summaries/Mon810_validation_report.pdf")
    assert "/gmomethods/?page=2" in s.hits  # followed the pagination


def test_fao_both_layouts(site):
    s = site(
        {
            "/gm/browse-information-by/oecd-unique-identifier/en/": pages.FAO_BROWSE,
            "/gm/browse-information-by/oecd-unique-identifier/oecd-unique-identifier-details/en/"
            "?ui=169612": pages.FAO_RECORD_TABLE,
            "/gm/browse-information-by/oecd-unique-identifier/oecd-unique-identifier-details/en/"
            "?ui=169538": pages.FAO_RECORD_LINES,
        }
    )
    stack = Target("BCS-GH002-5+BCS-GH004-7+BCS-GH005-8", "BCS-GHØØ2-5 × BCS-GHØØ4-7 × BCS-GHØØ5-8")
    [rec] = run(Fao().fetch(http(), s.url + "gm/", stack))
    assert rec.record_id == "169612" and rec.crop == "Cotton"
    assert {(a.country, a.use, a.date) for a in rec.approvals} == {
        ("EU", "food", "2021-08-18"),
        ("EU", "feed", "2021-08-18"),
    }
    assert rec.reference_materials == ["AOCS 1108-A5", "ERM-BF429", "ERM-BF428"]
    [jp] = run(Fao().fetch(http(), s.url + "gm/", Target("SYN-IR67B-1", "SYN-IR67B-1")))
    assert [(a.country, a.use, a.date) for a in jp.approvals] == [("JP", "food", "2011-03-02")]
    assert jp.developer == "Syngenta Japan K.K."


def test_eu_register_details_page(site):
    s = site({"/dyna2/gm-register/details/11": pages.EU_REGISTER_11})
    [rec] = run(EuRegister().fetch(http(), s.url + "dyna2/gm-register/", MON810))
    assert rec.uid_key == "MON-00810-6" and rec.name == "MON810"
    assert rec.reference_materials == ["ERM-BF413k"]
    assert {a.use for a in rec.approvals} == {"food", "feed", "cultivation"}
    assert rec.methods[0]["url"].endswith("/gmomethods/show/QT-EVE-ZM-020/")


def test_cera_event_page(site):
    s = site({"/GmCropDatabaseEvent/GA21 x MON810": pages.CERA_GA21_MON810})
    target = Target(
        "MON-00021-9+MON-00810-6", "MON-ØØØ21-9 × MON-ØØ81Ø-6", event_names=("GA21 x MON810",)
    )
    [rec] = run(Cera().fetch(http(), s.url, target))
    assert rec.uid_key == "MON-00021-9+MON-00810-6"
    assert rec.updated == "2017-08-11"
    assert ("CA", "food", "2011") in {(a.country, a.use, a.date) for a in rec.approvals}
    assert ("EU", "cultivation") not in {(a.country, a.use) for a in rec.approvals}


def test_gmo_compass_mangled_zero_and_apostrophes(site):
    s = site({"/eng/gmo/db/15.docu.html": pages.GMO_COMPASS_15})
    [rec] = run(GmoCompass().fetch(http(), s.url + "eng/gmo/db/", MON810))
    assert rec.uid == "MON-ōō81ō-6" and rec.uid_key == "MON-00810-6"
    assert rec.developer == "Monsanto" and rec.approvals[0].date == "1995"


def test_biotradestatus_and_croplife(site):
    s = site(
        {
            "/?event=4&querypagebypass=1": pages.BIOTRADESTATUS_EVENT,
            "/?s=MON810": pages.CROPLIFE_SEARCH,
        }
    )
    target = Target(
        "MON-00810-6", "MON-ØØ81Ø-6", event_names=("MON810",), source_ids={"biotradestatus": "4"}
    )
    [rec] = run(BioTradeStatus().fetch(http(), s.url, target))
    assert {a.use for a in rec.approvals} == {"food", "feed", "cultivation"}
    assert rec.approvals[0].country == "CA"
    [method] = run(CropLife().fetch(http(), s.url, MON810))
    assert method.methods[0]["url"] == "https://detection-methods.com/method/mon810/"


def test_http_client_user_agent_retries_and_circuit_breaker(site):
    s = site({"/ok": "fine", "/fail": (500, "boom"), "/hang": HANG})
    client = http(retries=2, breaker_threshold=3, breaker_cooldown=60)
    assert run(client.text("t", s.url + "ok")) == "fine"
    with pytest.raises(SourceUnavailable):
        run(client.text("t", s.url + "fail"))
    assert s.hits.count("/fail") == 3  # one try + two bounded retries
    with pytest.raises(SourceUnavailable, match="circuit open"):
        run(client.text("t", s.url + "ok"))  # same host: the breaker is open now
    slow = http(timeout=0.3)
    with pytest.raises(SourceTimeout):
        run(slow.text("t", s.url + "hang"))
    assert USER_AGENT.startswith("bch-clearing-house/")
