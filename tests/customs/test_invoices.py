"""A dozen shipment documents (tests/customs/fixtures) checked against Canada's real decisions in
the shipped data: the right verdict for every line, on both backends.

Every expectation below is confirmed a second way, from the source file the decisions are
imported from (data/country_approvals.csv: CFIA unconfined release = `cultivation`, CFIA livestock
feed = `feed`, Health Canada novel food = `food`), so a change to the verdict rules or to the data
that breaks them fails here. The CSV row behind each single LMO is cited in the comments as
"type date [CFIA decision document]"."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from bch.config import data_dir
from bch.records.oecd_uid import parse_uid, try_parse_uid
from bch.services.customs import CheckInput

FIXTURES = Path(__file__).parent / "fixtures"
APPROVED = ("approved", "approved_with_conditions")

# fixture -> {document line: (verdict, canonical UID or None)}; lines not listed hold no item
EXPECTED: dict[str, dict[int, tuple[str, str | None]]] = {
    "01_clean_maize.txt": {
        10: (
            "approved",
            "MON-ØØ81Ø-6",
        ),  # MON810: cultivation+feed 1997-01-22 DD97-19, food 1997-02-17
        11: (
            "approved",
            "MON-ØØ6Ø3-6",
        ),  # NK603: cultivation+feed 2001-03-07 DD2002-35, food 2001-02-19
        12: ("approved", "DAS-Ø15Ø7-1"),  # TC1507: feed 2002-10-10 DD2002-41, food 2002-10-11
        13: ("approved", "SYN-IR162-4"),  # MIR162: feed 2010-02-11 DD2010-79, food 2010-03-24
    },
    "02_messy_identifiers.txt": {
        3: ("approved", "MON-ØØ81Ø-6"),  # lower case, 0 for Ø
        4: ("approved", "MON-ØØ6Ø3-6"),  # no dashes, a space before the digit
        5: ("approved", "MON-89Ø34-3 × MON-88Ø17-3"),  # en dashes, 'X'; MON89034 feed
        # 2008-06-19 DD2008-74, MON88017 feed 2006-02-20 DD2006-57; the stack has no decision
        6: ("approved", "MON-89Ø34-3 × MON-88Ø17-3"),  # the same stack, other order, '+'
        7: ("approved", "DAS-Ø15Ø7-1"),  # letter O for zero
        8: ("approved", "SYN-IR162-4"),  # percent-encoded dashes
        9: ("approved", "SYN-IR6Ø4-5"),  # spaces for dashes; MIR604 feed 2007-07-20 DD2007-68
    },
    "03_wrong_identifiers.txt": {
        3: ("malformed", None),  # event part of 4 characters
        4: ("unknown_identifier", "MON-ØØ81Ø-7"),  # MON810 with a wrong verification digit
        5: ("malformed", None),  # verification digit missing
        6: ("unknown_identifier", "ABC-12345-6"),  # well formed, registered nowhere
        7: ("approved", "SYN-ØØØJG-2"),  # MZHG0JG (its registered UID breaks the digit rule):
        # feed 2016-05-16 DD2016-116, food 2016-05-23
        8: ("approved", "MON-ØØ81Ø-6"),  # the UID governs the name beside it (NK603's)
    },
    "04_names_only.txt": {
        4: ("approved", "MON-89788-1"),  # Genuity Roundup Ready 2 Yield: feed 2007-07-03
        # DD2007-67, food 2007-06-27
        5: ("approved", "SYN-IR6Ø4-5"),  # Event MIR604: food 2007-06-04, feed 2007-07-20
        6: ("approved", "MON-ØØØ21-9"),  # GA21: feed 1998-07-09 DD1999-33, food 1999-05-13
        7: ("approved", "DAS-Ø15Ø7-1"),  # Herculex I = TC1507
        8: ("no_decision", "ACS-ZMØØ4-3"),  # StarLink (CBH-351): no Canadian decision
        9: ("approved", "SYN-BTØ11-1 × SYN-IR162-4 × MON-ØØØ21-9"),  # by its three events:
        # Bt11 feed 1996-06-11 DD96-12, food 1996-08-15; MIR162; GA21
    },
    "05_ambiguous_trade_names.txt": {
        3: ("ambiguous", None),  # YieldGard: MON810, MON863, MON88017, MON89034
        4: ("ambiguous", None),  # Roundup Ready Maize: GA21 and MON 87427 (and more)
        5: ("ambiguous", None),  # Liberty Link Maize: T14 and T25
        6: ("ambiguous", None),  # InVigor Maize: MS3 and MS6
        7: ("approved", "SYN-IR162-4"),  # Agrisure Viptera = MIR162
    },
    "06_missing_art18.txt": {
        4: ("approved", "MON-87427-7"),  # feed 2012-06-08 DD2012-89
        5: ("approved", "MON-87411-9"),  # feed 2015-10-21 DD2015-111
        6: ("approved", "MON-877Ø8-9"),  # MON 87708 soybean
    },
    "07_seed_for_planting.txt": {
        3: ("approved", "DAS-59122-7"),  # cultivation 2005-11-18 DD2005-55
        4: ("approved", "DAS-4Ø278-9"),  # cultivation 2012-10-05 DD2012-92
        5: ("no_decision", "ACS-ZMØØ4-3"),  # StarLink: no Canadian decision
        6: ("approved", "NPS-Ø12Ø1-8"),  # purple tomato Del/Ros1-N: cultivation 2025
    },
    "08_stacks.txt": {
        3: (
            "approved",
            "MON-87427-7 × MON-89Ø34-3 × DAS-Ø15Ø7-1 × MON-87411-9 × DAS-59122-7 × DAS-4Ø278-9",
        ),  # a registered stack without a decision of its own: all six events approved
        4: ("approved", "DAS-4Ø278-9 × MON-87411-9"),  # an unregistered stack, by components
        5: ("no_decision", "ACS-ZMØØ4-3 × MON-ØØ81Ø-6"),  # StarLink has no decision
        6: ("approved", "MON-ØØ6Ø3-6 × MON-ØØ81Ø-6"),  # '/' as separator, order differs
        7: ("approved", "DAS-Ø15Ø7-1 × MON-ØØ81Ø-6 × MON-ØØ6Ø3-6"),  # a stack by event names
    },
    "09_invoice.csv": {  # checked for feed (given with the request: the CSV has no use line)
        2: ("approved", "MON-Ø4Ø32-6"),  # GTS 40-3-2: feed 1995-06-13 DD95-05
        3: ("approved", "MON-89788-1"),
        4: ("approved", "DP-3Ø5423-1"),  # 305423 high-oleic soybean
        5: ("approved", "DAS-444Ø6-6"),  # feed 2013-06-06 DD2013-97
    },
    "10_french.txt": {
        4: ("approved", "MON-ØØ81Ø-6"),
        5: ("approved", "SYN-BTØ11-1"),
        6: ("approved", "SYN-ØØØJG-2"),
    },
    "11_purple_tomato_feed.txt": {
        3: ("no_decision", "NPS-Ø12Ø1-8"),  # approved for food and cultivation only, not feed
        4: ("approved", "MON-877Ø8-9"),
    },
    "12_transit.txt": {
        3: ("no_decision", "MON-ØØ81Ø-6"),  # no Canadian decision covers transit
    },
}
USES_GIVEN = {"09_invoice.csv": ["feed"]}
DOCUMENTATION = {  # may contain, UIDs given, BCH address, contact
    "01_clean_maize.txt": (True, True, True, True),
    "04_names_only.txt": (False, False, False, True),
    "06_missing_art18.txt": (False, True, False, False),
    "07_seed_for_planting.txt": (True, True, True, True),
    "10_french.txt": (True, True, True, True),
}
DOCUMENT_USES = {
    "01_clean_maize.txt": {"food", "feed", "processing"},
    "07_seed_for_planting.txt": {"cultivation"},
    "10_french.txt": {"food", "feed", "processing"},
    "12_transit.txt": {"transit"},
}
_TYPES = {
    "food": {"food"},
    "feed": {"feed"},
    "processing": {"food", "feed"},
    "cultivation": {"cultivation"},
}


@cache
def canadian_approvals() -> dict[str, set[str]]:
    """UID key -> approval types of Canada in the source file of the imported decisions."""
    out: dict[str, set[str]] = {}
    with (data_dir() / "country_approvals.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            parsed = try_parse_uid(row["event_uid"] or row["unique_identifier"])
            if parsed and row["country"] == "CA" and (row["date"] or row["year"]):
                out.setdefault(parsed.key, set()).add(row["approval_type"])
    return out


def from_source(uid: str, uses: list[str]) -> str:
    """The verdict the source file implies: every component approved for every use."""
    approvals = canadian_approvals()
    ok = all(
        approvals.get(part, set()) & _TYPES.get(use, set())
        for part in parse_uid(uid).component_keys
        for use in uses
    )
    return "approved" if ok else "no_decision"


_RESULTS: dict[tuple[int, str], dict] = {}


def _run(svc, name: str) -> dict:
    """The check of a fixture, once per database."""
    key = (id(svc), name)
    if key not in _RESULTS:
        data = (FIXTURES / name).read_bytes()
        req = CheckInput("CA", USES_GIVEN.get(name), data=data, filename=name)
        _RESULTS[key] = svc.customs.check(req)
    return _RESULTS[key]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_line_gets_the_right_verdict(loaded, name):
    result = _run(loaded, name)
    got = {it["line"]: (it["verdict"], it["uid"]) for it in result["items"]}
    assert got == EXPECTED[name]
    for it in result["items"]:
        if it["verdict"] in ("approved", "no_decision") and it["uid"]:
            assert from_source(it["uid"], result["uses"]) == it["verdict"], it
        if it["verdict"] == "approved":
            assert it["decisions"], it  # the decisions that approve it, linked
            assert all(d["url"].startswith("/api/v1/records/BCH-DEC-CA-") for d in it["decisions"])


@pytest.mark.parametrize("name", sorted(DOCUMENT_USES))
def test_uses_are_read_from_the_document(loaded, name):
    result = _run(loaded, name)
    assert result["usesFrom"] == "document"
    assert set(result["uses"]) == DOCUMENT_USES[name]


@pytest.mark.parametrize("name", sorted(DOCUMENTATION))
def test_art_18_2_a_elements(loaded, name):
    doc = _run(loaded, name)["documentation"]
    keys = ("may_contain_statement", "uids_given", "bch_address", "contact")
    assert tuple(doc[k] for k in keys) == DOCUMENTATION[name]
    for key in ("may_contain_statement", "bch_address", "contact"):
        found = doc["found"][key]
        assert (found is not None) == doc[key]
        if found:
            text = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[found["line"] - 1]
            assert found["text"] == text.strip()


def test_warnings_candidates_and_reasons(loaded):
    wrong = {it["line"]: it for it in _run(loaded, "03_wrong_identifiers.txt")["items"]}
    assert "event part '8901' has 4 characters" in wrong[3]["reasons"][0]
    assert [c["uid"] for c in wrong[4]["candidates"]] == ["MON-ØØ81Ø-6"]  # the digit mistyped
    assert any("registered UID breaks the verification digit" in w for w in wrong[7]["warnings"])
    assert any("names another LMO" in w for w in wrong[8]["warnings"])
    ambiguous = {it["line"]: it for it in _run(loaded, "05_ambiguous_trade_names.txt")["items"]}
    yieldgard = {c["uid"] for c in ambiguous[3]["candidates"]}
    assert {"MON-ØØ81Ø-6", "MON-ØØ863-5", "MON-89Ø34-3"} <= yieldgard
    assert {c["uid"] for c in ambiguous[5]["candidates"]} == {"ACS-ZMØØ2-1", "ACS-ZMØØ3-2"}
    stacks = {it["line"]: it for it in _run(loaded, "08_stacks.txt")["items"]}
    assert any("all of its components are approved" in w for w in stacks[3]["warnings"])
    # NK603 x MON810 has its own record since the 2026 BCH registry is imported (issue 16)
    assert stacks[4]["uid"] and not any("no LMO record" in w for w in stacks[4]["warnings"])
    assert any("ACS-ZMØØ4-3: no decision covers" in r for r in stacks[5]["reasons"])
    tomato = _run(loaded, "11_purple_tomato_feed.txt")["items"][0]
    assert tomato["reasons"] == ["NPS-Ø12Ø1-8: no decision covers feed"]


def test_authority_and_detection(loaded):
    result = _run(loaded, "01_clean_maize.txt")
    names = {c["name"]["en"] for c in result["authority"]["competentAuthorities"]}
    assert names == {"Canadian Food Inspection Agency", "Health Canada"}
    assert result["authority"]["focalPoints"] == []
    assert result["authority"]["notes"]  # says that no focal point record is held
    mon810 = next(d for d in result["detection"] if d["uid"] == "MON-ØØ81Ø-6")
    assert "QT-EVE-ZM-020" in {m["code"] for m in mon810["methods"]}
    assert "ERM-BF413k" in {m["code"] for m in mon810["referenceMaterials"]}
