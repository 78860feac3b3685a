"""Offline snapshots from the shipped data, the registry's configuration, the comparison."""

from __future__ import annotations

import pytest

from bch.sources.base import Approval, SourceRecord, Target, country_code, uses_of
from bch.sources.compare import compare
from bch.sources.registry import SourceRegistry
from bch.sources.snapshot import shipped_snapshots


def test_shipped_snapshots_hold_the_real_records():
    snaps = shipped_snapshots()
    assert {n: len(s.records) for n, s in snaps.items()} == {
        # 440 event pages (2023) + 37 UIDs ISAAA lists as approved in a country (2026) that have
        # no 2023 event page: records holding only those per-country approvals (issue 16)
        "isaaa": 477,
        "biotrack": 89,
        "euginius": 120,
        "eurl_gmff": 51,
        "cfia": 129,
    }
    mon810 = Target("MON-00810-6", "MON-ØØ81Ø-6")
    [isaaa] = [r for r in snaps["isaaa"].lookup(mon810) if r.relation == "exact"]
    assert (isaaa.record_id, isaaa.trade_names) == ("85", ["YieldGard™", "MaizeGard™"])
    assert isaaa.url.endswith("EventID=85")
    [cfia] = snaps["cfia"].lookup(mon810)
    assert {(a.use, a.date) for a in cfia.approvals} == {
        ("cultivation", "1997-01-22"),
        ("feed", "1997-01-22"),
        ("food", "1997-02-17"),
    }
    stack = Target("MON-00810-6+MON-00863-5", "x", ("MON-00810-6", "MON-00863-5"))
    relations = {r.relation for r in snaps["isaaa"].lookup(stack)}
    assert relations == {"exact", "component"}


def test_registry_configuration_from_the_environment():
    reg = SourceRegistry.from_env(
        {
            "BCH_SOURCES_MODE": "live",
            "BCH_SOURCE_CERA_ENABLED": "0",
            "BCH_SOURCE_FAO_TIMEOUT": "1.5",
        }
    )
    assert reg.config("isaaa").mode == "live" and reg.config("isaaa").base_url.startswith(
        "https://www.isaaa.org"
    )
    assert not reg.config("cera").enabled and reg.config("fao").timeout == 1.5
    assert len(reg.names()) == 11
    with pytest.raises(ValueError, match="BCH_SOURCE_ISAAA_MODE"):
        SourceRegistry.from_env({"BCH_SOURCE_ISAAA_MODE": "sometimes"})


def test_helpers_read_source_wording():
    assert country_code("United States of America") == "US" and country_code("South Korea") == "KR"
    assert country_code("European Union") == "EU" and country_code("Atlantis") == "Atlantis"
    assert (
        uses_of("Food and Feed") == ["food", "feed"]
        and uses_of("Import as food and feed")[0] == "import"
    )


def test_comparison_marks_disagreements_only_where_both_sides_speak():
    # SYNTHETIC matrix and records (shapes of services/matrix.py and of adapter output)
    matrix = {
        "countries": [
            {
                "country": "CA",
                "cells": {
                    "food": {"status": "approved", "date": "1997-02-17"},
                    "release": {"status": "approved", "date": "1997-01-22"},
                    "feed": {"status": "prohibited", "date": "1997-01-22"},
                },
            }
        ]
    }
    rec = SourceRecord(
        "isaaa",
        "85",
        "https://www.isaaa.org/gmapprovaldatabase/event/default.asp?EventID=85",
        "MON810",
        approvals=[
            Approval("CA", "food", "1996"),
            Approval("CA", "feed", "1997"),
            Approval("EU", "food", "1998"),
        ],
    )
    stack_only = SourceRecord(
        "biotrack",
        "x",
        None,
        "MON863 x MON810",
        relation="stack",
        approvals=[Approval("CA", "food", "2001")],
    )
    out = compare(matrix, {"isaaa": [rec], "biotrack": [stack_only]})
    ca = [r for r in out["countries"] if r["country"] == "CA"][0]
    kinds = {(d["use"], d["kind"]) for d in ca["disagreements"]}
    assert kinds == {("food", "year"), ("feed", "conflict"), ("cultivation", "missing")}
    eu = [r for r in out["countries"] if r["country"] == "EU"][0]
    assert eu["disagreements"] == [] and eu["sources"]["isaaa"]["food"]["date"] == "1998"
    assert "biotrack" not in ca["sources"]  # stacks do not speak for their components
    assert out["disagreementCount"] == 3


def test_fragment_links_from_external_pages_must_be_http():
    from bch.web.render import safe_url

    assert safe_url("javascript:alert(1)") == "#" and safe_url(None) == "#"
    assert safe_url("https://www.isaaa.org/x") == "https://www.isaaa.org/x"
