"""The `expired` verdict: an approval whose validity ended before the day of the check
(`validUntil`). No shipped decision has an end date (none of the sources gives one, and none is
invented), so the verdict is shown with decisions generated from a real Canadian decision,
labelled synthetic, in a throwaway copy of the data (both backends)."""

from __future__ import annotations

import copy

from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.customs import CheckInput
from tests.customs.test_customs_api import _synthetic

MON810 = "MON-ØØ81Ø-6"


def test_no_shipped_decision_has_an_end_date(loaded):
    result = loaded.customs.check(CheckInput("CA", ["food", "feed", "cultivation"], text=MON810))
    (item,) = result["items"]
    assert item["verdict"] == "approved" and len(item["decisions"]) >= 2
    assert all("validUntil" not in d for d in item["decisions"])


def test_an_approval_whose_validity_ended_is_expired(loaded_copy):
    svc = loaded_copy
    before = svc.customs.check(CheckInput("CA", ["feed"], text=MON810))
    feed = next(d["id"] for d in before["items"][0]["decisions"] if "feed" in d["scopes"])
    # a ten-year feed approval of 2011 (synthetic), the newest decision on MON810's feed use
    _synthetic(svc, feed, "approval", "2011-01-01", validUntil="2020-12-31")
    after = svc.customs.check(CheckInput("CA", ["feed"], text=MON810))
    (item,) = after["items"]
    assert item["verdict"] == "expired"
    (decision,) = item["decisions"]
    assert decision["validUntil"] == "2020-12-31" and decision["expired"] is True
    assert "SYNTHETIC" in decision["title"]
    (reason,) = item["reasons"]
    assert decision["id"] in reason and "valid until 2020-12-31" in reason
    # other uses are judged by their own decisions: food is still approved (1997, no end)
    food = svc.customs.check(CheckInput("CA", ["food"], text=MON810))["items"][0]
    assert food["verdict"] == "approved"
    assert svc.customs.check(CheckInput("CA", ["food", "feed"], text=MON810))["summary"] == {
        "expired": 1
    }
    # the page and the API say the same, with the decision and its end date
    with TestClient(create_app(svc)) as c:
        r = c.post(
            "/api/v1/customs/check", json={"text": MON810, "destination": "CA", "uses": ["feed"]}
        )
        assert r.status_code == 200 and r.json()["items"][0]["verdict"] == "expired"
        html = c.post(
            "/en/customs",
            data={"text": MON810, "destination": "CA", "uses": ["feed"]},
            files={"file": ("", b"", "application/octet-stream")},
        ).text
        assert '<tr class="verdict-expired">' in html
        assert "validity ended on Dec 31, 2020" in html and decision["id"] in html
    # a renewal (synthetic) valid beyond the day of the check speaks instead
    _synthetic(svc, feed, "approvalWithConditions", "2021-01-01", validUntil="2999-12-31")
    renewed = svc.customs.check(CheckInput("CA", ["feed"], text=MON810))["items"][0]
    assert renewed["verdict"] == "approved_with_conditions"
    assert renewed["decisions"][0]["validUntil"] == "2999-12-31"
    assert renewed["decisions"][0]["expired"] is False


def test_an_end_date_is_a_date(loaded):
    """validUntil is validated as a date: a bad value is an error naming the field."""
    item = loaded.customs.check(CheckInput("CA", ["feed"], text=MON810))["items"][0]
    doc = copy.deepcopy(loaded.records.get(item["decisions"][0]["id"]).document)
    doc["validUntil"] = "31/12/2020"
    result = loaded.records.validate(doc)
    assert not result.ok
    assert [e.path for e in result.errors] == ["validUntil"]
    doc["validUntil"] = "2020-12-31"
    assert loaded.records.validate(doc).ok
