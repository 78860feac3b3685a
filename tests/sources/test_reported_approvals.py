"""The ISAAA source answers per-country approvals from its 2026 lists (issue 16): status
"reported", no date, no use; the comparison with the clearing-house's decisions flags nothing
for them (ISAAA gives no use to compare)."""

from __future__ import annotations

from bch.sources.base import Target
from bch.sources.compare import compare
from bch.sources.snapshot import shipped_snapshots

MON810 = Target("MON-00810-6", "MON-ØØ81Ø-6")


def test_isaaa_snapshot_reports_mon810_in_31_countries():
    [isaaa] = [r for r in shipped_snapshots()["isaaa"].lookup(MON810) if r.relation == "exact"]
    countries = {a.country for a in isaaa.approvals}
    # country_event_approvals.csv lists MON-ØØ81Ø-6 for 30 countries and the EU
    assert len(countries) == 31 and {"AR", "JP", "EU", "ZA", "CA"} <= countries
    assert {(a.status, a.use, a.date) for a in isaaa.approvals} == {("reported", "other", None)}
    assert all("not a decision published by the country" in a.detail for a in isaaa.approvals)


def test_reported_approvals_are_never_a_disagreement():
    [isaaa] = [r for r in shipped_snapshots()["isaaa"].lookup(MON810) if r.relation == "exact"]
    matrix = {
        "countries": [
            {"country": "CA", "cells": {"food": {"status": "approved", "date": "1997-02-17"}}}
        ]
    }
    result = compare(matrix, {"isaaa": [isaaa]})
    ca = next(r for r in result["countries"] if r["country"] == "CA")
    assert ca["sources"]["isaaa"] == {
        "other": {"status": "reported", "date": None, "record": isaaa.url}
    }
    assert result["disagreementCount"] == 0
