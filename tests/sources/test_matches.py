"""Matches of an LMO across the external databases: snapshots, live sources, faults, deadline.

Nothing here depends on the machine's speed: sources that answer do so well within a generous
deadline (GENEROUS), and the one that must time out never answers (it hangs until the test ends).
How fast answers come is measured by bench/bench_resolve.py."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.matches import MatchService
from bch.sources.cache import SourceStore
from bch.sources.http import SourceHttp
from bch.sources.registry import SourceRegistry
from bch.storage.source_cache import SourceCacheRepository
from tests.sources import pages
from tests.sources.conftest import CONFIGURED, HANG

OFFLINE_ONLY = {"biotradestatus", "fao", "eu_register", "cera", "gmo_compass", "croplife"}
GENEROUS = 60.0  # s: local sources answer long before it, however loaded the machine


def _service(svc, env=None, *, persist=True, deadline=GENEROUS) -> MatchService:
    ms = MatchService(
        svc.lmos,
        SourceRegistry.from_env(env or {}),
        SourceStore(SourceCacheRepository(svc.db)),
        http=SourceHttp(min_interval=0.0, backoff=0.05),
        deadline=deadline,
        warm=False,
        persist=persist,
    )
    ms.warm()  # as the background warm-up at start does
    svc.__dict__["matches"] = ms  # what Services.matches would build, with this configuration
    CONFIGURED.append(svc)  # restored after the test
    return ms


def _client(svc) -> TestClient:
    return TestClient(create_app(svc))


def _publish_mon810(svc) -> None:
    """A minimal MON810 LMO record (real event and UID), published in non-strict import mode."""
    svc.records.publish(
        {
            "header": {
                "identifier": "lmo-test-mon810-0001",
                "schema": "modifiedOrganism",
                "languages": ["en"],
            },
            "transformationEvent": "MON810",
            "hasUniqueIdentification": True,
            "uniqueIdentification": "MON-ØØ81Ø-6",
        },
        strict=False,
    )


def by_name(body) -> dict:
    return {s["name"]: s for s in body["sources"]}


def test_mon810_page_shows_decisions_snapshots_methods_and_offline_sources(loaded, site):
    """Done-when: BCH decisions, ISAAA / BioTrack / EUginius snapshot records, detection methods,
    reference material (from the EU register's live page, served locally) and offline sources."""
    eu = site({"/dyna2/gm-register/details/11": pages.EU_REGISTER_11})
    env = {
        "BCH_SOURCE_EU_REGISTER_MODE": "live",
        "BCH_SOURCE_EU_REGISTER_URL": eu.url + "dyna2/gm-register/",
    }
    _service(loaded, env, persist=False)  # `loaded` is read-only: live answers stay in memory
    client = _client(loaded)
    body = client.get("/api/v1/lmos/MON810/matches").json()
    assert body["uniqueIdentification"] == "MON-ØØ81Ø-6"
    ca = [c for c in body["bch"]["countries"] if c["country"] == "CA"]
    assert ca and set(ca[0]["cells"]) >= {"food", "feed", "release"}
    src = by_name(body)
    for name in ("isaaa", "biotrack", "euginius", "eurl_gmff", "cfia"):
        assert src[name]["status"] == "ok" and src[name]["origin"] == "snapshot", name
    assert [r["record_id"] for r in src["isaaa"]["records"] if r["relation"] == "exact"] == ["85"]
    assert all(
        r["relation"] == "stack" for r in src["biotrack"]["records"]
    )  # 2019 scrape: stacks only
    assert "MON-00810-6+MON-00863-5" in {r["uid_key"] for r in src["biotrack"]["records"]}
    assert {m["code"] for m in src["euginius"]["records"][0]["methods"]} >= {"QT-EVE-ZM-020"}
    assert src["eu_register"]["status"] == "ok" and src["eu_register"]["origin"] == "live"
    assert set(body["offline"]) == OFFLINE_ONLY - {"eu_register"}
    assert {src[n]["message"] for n in body["offline"]} == {"not available offline"}
    ca_row = [r for r in body["comparison"]["countries"] if r["country"] == "CA"][0]
    assert ca_row["sources"]["cfia"]["food"]["date"] == "1997-02-17" and not ca_row["disagreements"]

    methods = client.get("/api/v1/lmos/MON-00810-6/detection-methods").json()
    codes = {(m["source"], m["methodId"]) for m in methods["methods"]}
    assert {("EUginius", "QT-EVE-ZM-020"), ("EURL-GMFF", "QL-EVE-ZM-001")} <= codes
    assert all(m["url"].startswith("https://") for m in methods["methods"])
    materials = [(r["code"], r["source"]) for r in methods["referenceMaterials"]]
    assert materials[0] == ("ERM-BF413k", "eu_register")  # read live from the EU register page
    assert ("ERM-BF413", "OECD BioTrack Product Database") in materials  # captured page

    html = client.get("/en/lmos/MON-ØØ81Ø-6/matches", headers={"HX-Request": "true"}).text
    assert not html.lstrip().startswith("<!doctype")
    for text in (
        "ISAAA GM Approval Database",
        "OECD BioTrack",
        "EUginius",
        "not available offline",
        "QT-EVE-ZM-020",
        "ERM-BF413k",
        "Canada",
        "Sep 30, 2023",  # the snapshot's date, in the page language
    ):
        assert text in html, text
    page = client.get("/en/lmos/MON-ØØ81Ø-6/matches").text
    assert page.lstrip().startswith("<!doctype")


def test_stack_detection_methods_are_labelled_per_component(loaded):
    _service(loaded, persist=False)
    body = _client(loaded).get("/api/v1/lmos/MON-ØØ863-5 x MON-ØØ81Ø-6/detection-methods").json()
    comps = {c["uniqueIdentification"]: c for c in body["components"]}
    assert set(comps) == {"MON-ØØ863-5", "MON-ØØ81Ø-6"}
    assert comps["MON-ØØ81Ø-6"]["label"] == "component MON810 of the stack"
    assert all(m["forComponent"] for c in comps.values() for m in c["methods"])
    assert "QT-EVE-ZM-020" in {m["methodId"] for m in comps["MON-ØØ81Ø-6"]["methods"]}
    materials = {(m["code"], m["appliesTo"], m["forComponent"]) for m in body["referenceMaterials"]}
    assert {("ERM-BF416", "MON-00863-5", True), ("ERM-BF413", "MON-00810-6", True)} <= materials


def test_mon810_reference_materials_offline_cite_their_pages(loaded):
    _service(loaded, persist=False)
    body = _client(loaded).get("/api/v1/lmos/MON-00810-6/detection-methods").json()
    found = {m["code"]: m for m in body["referenceMaterials"]}
    assert {"ERM-BF413", "ERM-BF413k"} <= set(found)
    assert "gm-register/details/11" in found["ERM-BF413k"]["url"]
    assert "ERM-BF413k" in found["ERM-BF413k"]["quote"]


def test_garbage_and_500_sources_are_labelled_errors_and_break_nothing(services, site):
    """Done-when (1/2): one source returns garbage, one returns 500; the answer comes with each
    source labelled, the failed ones with their last known result."""
    _publish_mon810(services)
    garbage = site({"*": pages.GARBAGE})
    broken = site({"*": (500, "Internal Server Error")})
    env = {
        "BCH_SOURCE_BIOTRACK_MODE": "live",
        "BCH_SOURCE_BIOTRACK_URL": garbage.url,
        "BCH_SOURCE_EUGINIUS_MODE": "live",
        "BCH_SOURCE_EUGINIUS_URL": broken.url,
    }
    _service(services, env)
    r = _client(services).get("/api/v1/lmos/MON-00810-6/matches")
    assert r.status_code == 200
    src = by_name(r.json())
    assert src["biotrack"]["status"] == "error" and "structure" in src["biotrack"]["message"]
    assert src["euginius"]["status"] == "error" and "HTTP 500" in src["euginius"]["message"]
    assert src["isaaa"]["status"] == "ok" and src["isaaa"]["origin"] == "snapshot"
    assert src["cfia"]["status"] == "ok" and src["fao"]["status"] == "offline"
    assert src["euginius"]["lastKnown"]["origin"] == "snapshot"  # never fetched live
    assert set(r.json()["unavailable"]) == {"biotrack", "euginius"}
    assert garbage.hits and broken.hits  # both were asked


def test_a_source_that_never_answers_times_out_and_the_answer_does_not_wait(services, site):
    """Done-when (2/2): one source hangs (until this test ends); the answer comes at the
    deadline with that source labelled `timeout` and its last known result."""
    _publish_mon810(services)
    hang = site({"*": HANG})
    env = {"BCH_SOURCE_ISAAA_MODE": "live", "BCH_SOURCE_ISAAA_URL": hang.url}
    _service(services, env, deadline=1.0)
    client = _client(services)
    r = client.get("/api/v1/lmos/MON-00810-6/matches")
    assert r.status_code == 200 and r.json()["deadlineSeconds"] == 1.0
    src = by_name(r.json())
    assert hang.hits  # it was asked, and is still not answering
    assert src["isaaa"]["status"] == "timeout" and "isaaa" in r.json()["unavailable"]
    assert src["isaaa"]["lastKnown"]["origin"] == "snapshot"  # never fetched live: the snapshot
    assert src["isaaa"]["lastKnown"]["fetchedAt"] == "2023-09-30"
    html = client.get("/en/lmos/MON-00810-6/matches", headers={"HX-Request": "true"}).text
    assert "no answer in time" in html and "Last known result (snapshot, Sep 30, 2023)" in html


def test_live_answer_is_cached_and_shown_as_last_known_when_the_source_fails(services, site):
    _publish_mon810(services)
    routes = {"/gmapprovaldatabase/event/default.asp?EventID=85": pages.ISAAA_MON810}
    good = site(routes)
    env = {
        "BCH_SOURCE_ISAAA_MODE": "live",
        "BCH_SOURCE_ISAAA_URL": good.url + "gmapprovaldatabase/",
    }
    ms = _service(services, env)
    client = _client(services)
    first = by_name(client.get("/api/v1/lmos/MON-00810-6/matches?sources=isaaa").json())["isaaa"]
    assert first["status"] == "ok" and first["origin"] == "live"
    assert first["records"][0]["updated"] == "2023-11-07"
    routes.clear()
    routes["*"] = (500, "down")  # the site breaks
    ms.answers.clear()
    ms.live_cache.clear()
    later = by_name(client.get("/api/v1/lmos/MON-00810-6/matches?sources=isaaa").json())["isaaa"]
    assert later["status"] == "error"
    assert later["lastKnown"]["origin"] == "cache"
    assert later["lastKnown"]["fetchedAt"] == first["fetchedAt"]
    assert later["lastKnown"]["records"][0]["name"] == "MON810"


def test_repeat_answer_comes_from_the_cache_without_asking_the_sources(services, site):
    _publish_mon810(services)
    live = site({"/gmapprovaldatabase/event/default.asp?EventID=85": pages.ISAAA_MON810})
    env = {
        "BCH_SOURCE_ISAAA_MODE": "live",
        "BCH_SOURCE_ISAAA_URL": live.url + "gmapprovaldatabase/",
    }
    _service(services, env)
    client = _client(services)
    first = client.get("/api/v1/lmos/MON-00810-6/matches").json()
    assert first["cached"] is False and by_name(first)["isaaa"]["origin"] == "live"
    asked = len(live.hits)
    assert asked >= 1
    again = client.get("/api/v1/lmos/MON-ØØ81Ø-6/matches").json()  # another spelling
    assert again["cached"] is True and len(live.hits) == asked
    assert again["sources"] == first["sources"] and again["comparison"] == first["comparison"]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/lmos/MON-00810-6/matches?sources=isaaa,nowhere", 400, "badRequest"),
        ("/api/v1/lmos/NOT-A-UID-9/matches", 404, "notFound"),
        ("/api/v1/lmos/YieldGard/matches", 404, "notFound"),  # a brand: ambiguous, not guessed
        ("/api/v1/resolve?name=", 400, "badRequest"),
    ],
)
def test_bad_requests_get_the_uniform_error_shape(services, url, status, code):
    _publish_mon810(services)
    _service(services)
    r = _client(services).get(url)
    assert r.status_code == status
    assert r.json()["code"] == code and r.json()["message"]


def test_matches_fragment_speaks_the_page_language(loaded):
    _service(loaded, persist=False)  # snapshots only; `loaded` is read-only
    html = _client(loaded).get("/ar/lmos/MON-ØØ81Ø-6/matches", headers={"HX-Request": "true"}).text
    assert "المصادر" in html and "طرق الكشف والمواد المرجعية" in html
    assert "Sources</h3>" not in html and "Detection methods and reference materials" not in html
    assert "OECD BioTrack" in html and "QT-EVE-ZM-020" in html  # the data stays as found
