"""A decision is found by the LMO it names: the LMO's UID in any spelling, its event name, its
trade name and its crop in the six languages; its crop fills the organism facet. On both
backends, through the publish path and through the reindex."""

from __future__ import annotations

import pytest

from bch.services.reindex import reindex
from bch.services.search import SearchQuery
from tests import factories
from tests.web.conftest import mon810

WORDS = [
    "MON-ØØ81Ø-6",
    "MON-00810-6",
    "mon00810",
    "MON810",
    "YieldGard",
    "maize",
    "corn",
    "maïs",
    "maíz",
    "玉米",
    "кукуруза",
    "الذرة",
]


@pytest.fixture
def published(services):
    org = factories.organization("Monsanto Canada Inc.")
    orga = factories.organism("Zea mays")
    cna = factories.authority("CA")
    for doc in (org, orga, cna):
        services.records.publish(doc, strict=False)
    lmo = mon810(org["header"]["identifier"], orga["header"]["identifier"])
    services.records.publish(lmo, strict=False)
    decision = {
        "header": {
            "identifier": factories.ident("dec"),
            "schema": "biosafetyDecision",
            "languages": ["en"],
        },
        "government": {"identifier": "CA"},
        "title": {"en": "DD97-19: Unconfined environmental release (test copy)"},
        "authorities": [{"identifier": cna["header"]["identifier"]}],
        "modifiedOrganisms": [{"identifier": lmo["header"]["identifier"]}],
    }
    services.records.publish(decision, strict=False)
    return {"decision": decision, "organism": orga}


def decisions(services, q: str):
    return services.search.search(
        SearchQuery(q=q, filters={"schema": ["biosafetyDecision"]}, facets=["organism"])
    )


def test_a_decision_is_found_by_the_lmo_it_names(services, published):
    ident = published["decision"]["header"]["identifier"]
    organism = published["organism"]["header"]["identifier"]
    for q in WORDS:
        found = decisions(services, q)
        assert [d.identifier for d in found.items] == [ident], q
        assert found.facets["organism"] == [(organism, 1)], q
    assert decisions(services, "soybean").items == []  # another crop: not found


def test_the_reindex_derives_the_same(services, published):
    assert reindex(services) == 5
    for q in ("MON-ØØ81Ø-6", "maïs", "玉米", "الذرة"):
        assert len(decisions(services, q).items) == 1, q
