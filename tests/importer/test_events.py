"""LMO identity: keys, UIDs that are really event names, event-name index."""

from __future__ import annotations

from bch.importer import sources
from bch.importer.events import (
    EventIndex,
    lmo_rows,
    loose_key,
    name_variants,
    norm_name,
    reliable_uid,
    split_stack,
)


def row(uid: str, name: str) -> dict[str, str]:
    return {"unique_identifier": uid, "event_name": name}


def test_norm_name():
    assert norm_name("GTS 40-3-2") == norm_name("gts40-3-2") == "gts4032"
    assert norm_name("Event 1") == "1"
    assert norm_name("MZHGØJG") == norm_name("MZHG0JG")


def test_name_variants_include_parenthesised_aliases():
    assert name_variants("11363 (1363A)") == {"113631363a", "11363", "1363a"}
    assert "topas19/2" in name_variants("HCN92 (Topas 19/2)")


def test_split_stack():
    assert split_stack("A-1 x B-2 × C-3") == ["A-1", "B-2", "C-3"]
    assert split_stack("Event X17") == ["Event X17"]


def test_reliable_uid_refuses_event_names_read_as_uids():
    assert reliable_uid("MON-ØØ81Ø-6").canonical == "MON-ØØ81Ø-6"
    assert reliable_uid("CTC91087-6").canonical == "CTC-91Ø87-6"  # dash missing, digit fits
    assert reliable_uid("MON-87751-7 x MON-877Ø1-2 x MON87708 x MON89788") is None
    assert reliable_uid("SYN-IR6Ø4-5 x TC1507 x MON-ØØØ21-9") is None
    assert reliable_uid("") is None


def test_keys_are_unique_over_the_file():
    rows = lmo_rows(sources.lmo_events())
    assert len({r.key for r in rows}) == len(rows) == 583
    garbled = [r for r in rows if r.uid_text and r.parsed is None]
    assert garbled and all(r.key.startswith("event:") for r in garbled)


def test_event_index():
    rows = lmo_rows(
        [
            row("DAS-Ø15Ø7-1", "TC1507"),
            row("ACS-BNØØ7-1", "HCN92 (Topas 19/2)"),
            row("", "HCN10 (Topas 19/2)"),
            row("DAS-Ø15Ø7-1 x MON-ØØ6Ø3-6", "TC1507 x NK603"),
        ]
    )
    index = EventIndex(rows)
    assert index.lookup("DAS1507") == "DAS-01507-1"  # applicant + event number
    assert index.lookup("tc 1507") == "DAS-01507-1"
    assert index.lookup("Topas 19/2") is None  # two LMOs: ambiguous
    assert len(index.candidates("Topas 19/2")) == 2
    assert index.resolve("DAS-01507-1") == "DAS-01507-1"
    assert rows[3].components == ["DAS-01507-1", "MON-00603-6"]
    assert index.resolve_digit("DAS-01507-4") == "DAS-01507-1"
    assert loose_key("B-2+A-1") == "A+B"
