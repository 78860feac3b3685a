"""Tests for bch.records.oecd_uid: OECD unique identifiers of GM events."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bch.records.oecd_uid import (
    ParsedUid,
    UidError,
    UidPart,
    canonical_uid,
    check_digit,
    explain,
    parse_uid,
    try_parse_uid,
    uid_key,
)

DATA = Path(__file__).parents[2] / "data" / "lmo_events.csv"

MON810_SPELLINGS = [
    "MON-ØØ81Ø-6",
    "MON-00810-6",
    "mon-øø81ø-6",
    "MON00810-6",
    "MON008106",
    "MON-OO81O-6",
    "mon-oo81o-6",
    "MON 00810 6",
    "mon%C3%98%C3%9881%C3%98-6",
    "MON-%C3%98%C3%9881%C3%98-6",
    "MON-ōō81ō-6",
    "MON-ŌŌ81Ō-6",
    "MON-Ã˜Ã˜81Ã˜-6",
    "  MON-ØØ81Ø-6  ",
    "\u00a0MON-ØØ81Ø-6,",
    "MON\u2013ØØ81Ø\u20146",
    "MON\u221200810\u22126",
    "MON - 00810 - 6",
    "(MON-ØØ81Ø-6)",
]


@pytest.mark.parametrize("text", MON810_SPELLINGS)
def test_spellings_of_mon810_share_key_and_canonical(text: str) -> None:
    parsed = parse_uid(text)
    assert parsed.canonical == "MON-ØØ81Ø-6"
    assert parsed.key == "MON-00810-6"
    assert parsed.component_keys == ("MON-00810-6",)
    assert not parsed.is_stack
    assert parsed.parts[0].check_ok
    assert parsed.original == text
    assert uid_key(text) == "MON-00810-6"
    assert canonical_uid(text) == "MON-ØØ81Ø-6"


def test_canonical_input_has_no_warnings() -> None:
    assert parse_uid("MON-ØØ81Ø-6").warnings == ()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("MON-00810-6", "Ø written as 0"),
        ("MON00810-6", "dashes missing"),
        ("MON008106", "dashes missing"),
        ("MON 00810 6", "spaces used instead of dashes"),
        ("MON-OO81O-6", "letter O read as zero"),
        ("mon-ØØ81Ø-6", "lower case"),
        ("MON-%C3%98%C3%9881%C3%98-6", "percent-encoding"),
        ("MON-ōō81ō-6", "'ō' read as Ø"),
        ("MON\u2013ØØ81Ø-6", "dash"),
    ],
)
def test_normalisations_are_reported(text: str, fragment: str) -> None:
    assert any(fragment in w for w in parse_uid(text).warnings)


def test_lower_case_x_separator_is_not_lower_case() -> None:
    parsed = parse_uid("SYN-BTØ11-1xSYN-IR162-4")
    assert not any("lower case" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("applicant", "event", "digit"),
    [
        ("MON", "ØØ81Ø", 6),
        ("MON", "89788", 1),
        ("KM", "ØØØH71", 4),
        ("DP", "356Ø43", 5),
        ("SYN", "BTØ11", 1),
        ("ACS", "BNØØ8", 2),
        ("DAS", "Ø15Ø7", 1),
        ("MON", "00810", 6),
        ("ACS", "OSØØ1", 4),
    ],
)
def test_check_digit(applicant: str, event: str, digit: int) -> None:
    assert check_digit(applicant, event) == digit


def test_check_digit_of_all_zeros_is_nine() -> None:
    assert check_digit("ØØ", "ØØØØØ") == 9


def test_uid_part_properties() -> None:
    part = parse_uid("KM-ØØØH71-4").parts[0]
    assert part == UidPart("KM", "ØØØH71", "4")
    assert part.canonical == "KM-ØØØH71-4"
    assert part.ascii == "KM-000H71-4"
    assert part.expected_check == 4
    assert part.check_ok
    assert not UidPart("KM", "ØØØH71", "5").check_ok
    assert hash(part) == hash(UidPart("KM", "ØØØH71", "4"))


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("FLO-00015-3", "FLO-ØØØ15-3"),  # O in the applicant stays a letter
        ("flo-ooo15-3", "FLO-ØØØ15-3"),
        ("COR-23134-4", "COR-23134-4"),
        ("OKA-NBOO1-8", "OKA-NBØØ1-8"),
        ("ACS-OSØØ1-4", "ACS-OSØØ1-4"),  # only the letter reading matches the digit
        ("ACS-OS001-4", "ACS-OSØØ1-4"),
        ("ACS-OSOO1-4", "ACS-OSØØ1-4"),
        ("PH-MON8Ø9-2", "PH-MON8Ø9-2"),
        ("PH-MONBO9-2", "PH-MONBO9-2"),  # both letters: the only reading that verifies
        ("MON-OO81O-7", "MON-ØØ81Ø-7"),  # nothing verifies: zero wins
        ("VCO-Ø1981-5", "VCO-Ø1981-5"),
    ],
)
def test_letter_o_versus_zero(text: str, canonical: str) -> None:
    assert parse_uid(text).canonical == canonical


def test_letter_o_kept_is_reported() -> None:
    parsed = parse_uid("ACS-OSOO1-4")
    assert parsed.key == "ACS-OS001-4"
    assert any("letter O kept" in w for w in parsed.warnings)


@pytest.mark.parametrize("text", ["DP-061067-7", "SYN-ØØØJG-2", "SYN-IR6Ø4-4"])
def test_bad_check_digit_is_a_warning(text: str) -> None:
    parsed = parse_uid(text)
    assert not parsed.parts[0].check_ok
    assert any("verification digit mismatch" in w for w in parsed.warnings)


def test_stack_with_multiplication_sign_and_x() -> None:
    a = parse_uid("MON-89Ø34-3 × MON-88Ø17-3")
    b = parse_uid("MON-88017-3 x MON-89034-3")
    assert a.is_stack and b.is_stack
    assert a.key == b.key == "MON-88017-3+MON-89034-3"
    assert a.canonical == "MON-89Ø34-3 × MON-88Ø17-3"
    assert b.canonical == "MON-88Ø17-3 × MON-89Ø34-3"
    assert b.component_keys == ("MON-88017-3", "MON-89034-3")


@pytest.mark.parametrize(
    "text",
    [
        "SYN-BTØ11-1xSYN-IR162-4",
        "SYN-BTØ11-1XSYN-IR162-4",
        "SYN-BTØ11-1 xSYN-IR162-4",
        "SYN-BTØ11-1 X SYN-IR162-4",
        "SYN-BTØ11-1×SYN-IR162-4",
        "SYN-BTØ11-1 + SYN-IR162-4",
        "SYN-BTØ11-1, SYN-IR162-4,",
        "(SYN-BTØ11-1, SYN-IR162-4)",
        "syn-bt011-1 x syn-ir162-4",
        "SYN-IR162-4 x SYN-BTØ11-1",
    ],
)
def test_stack_separators(text: str) -> None:
    parsed = parse_uid(text)
    assert parsed.key == "SYN-BT011-1+SYN-IR162-4"
    assert len(parsed.parts) == 2


def test_cera_parenthesised_list() -> None:
    parsed = parse_uid("(MON-ØØØ21-9, MON-ØØ81Ø-6)")
    assert parsed.canonical == "MON-ØØØ21-9 × MON-ØØ81Ø-6"
    assert all(p.check_ok for p in parsed.parts)


def test_x_inside_event_is_not_a_separator() -> None:
    assert parse_uid("UFL-X17CP-9").canonical == "UFL-X17CP-9"
    parsed = parse_uid("MON-ØØ81Ø-6xUFL-X17CP-9")
    assert parsed.canonical == "MON-ØØ81Ø-6 × UFL-X17CP-9"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("MON-81-6", "event part '81' has 2 characters, expected 5-6"),
        ("hello", "'hello'"),
        ("", "empty"),
        ("   ", "empty"),
        ("MONSANTO-00810-6", "applicant part 'MONSANTO' has 8 characters"),
        ("MON-ØØ81Ø-X", "verification digit 'X'"),
        ("MON-ØØ81Ø-66", "verification digit '66'"),
        ("MON-ØØ81Ø", "2 dash-separated parts, expected 3"),
        ("MON87708", "does not verify"),
        ("DP-356Ø43", "does not verify"),
        ("MON-ØØ81Ø-6-1", "4 dash-separated parts"),
        ("MON-ØØ81Ø-6 x 59122", "stack component 2 of 2"),
        ("MON-87427-7 x MON87419", "stack component 2 of 2"),
        ("MON-ØØ81Ø-6 é", "unexpected character"),
    ],
)
def test_malformed_inputs_raise(text: str, fragment: str) -> None:
    with pytest.raises(UidError, match=re.escape(fragment)):
        parse_uid(text)
    assert try_parse_uid(text) is None
    assert uid_key(text) is None
    with pytest.raises(ValueError):
        canonical_uid(text)


def test_uid_error_message_names_input_and_problem() -> None:
    with pytest.raises(UidError) as info:
        parse_uid("MON-81-6")
    assert str(info.value) == "'MON-81-6': event part '81' has 2 characters, expected 5-6"


def test_explain_single() -> None:
    lines = explain("MON-OO81O-6")
    text = "\n".join(lines)
    assert "M=13 O=15 N=14 0 0 8 1 0 -> sum 51 -> digital root 6: matches" in text
    assert "letter O read as zero" in text
    assert "canonical: MON-ØØ81Ø-6" in text
    assert "key: MON-00810-6" in text


def test_explain_stack_and_mismatch() -> None:
    text = "\n".join(explain("SYN-ØØØJG-2 x MON-ØØ81Ø-6"))
    assert "stack of 2 UIDs" in text
    assert text.index("1. SYN-ØØØJG-2") < text.index("2. MON-ØØ81Ø-6")
    assert "given 2: MISMATCH" in text
    assert "key: MON-00810-6+SYN-000JG-2" in text


def test_explain_unparseable() -> None:
    lines = explain("MON-81-6")
    assert any("not a valid" in line and "event part '81'" in line for line in lines)


# --- properties -------------------------------------------------------------------------

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
EVENT_CHARS = LETTERS + "123456789Ø"


@st.composite
def uid_parts(draw: st.DrawFn) -> UidPart:
    applicant = draw(st.text(LETTERS, min_size=2, max_size=3))
    event = draw(st.text(EVENT_CHARS, min_size=5, max_size=6))
    check = str(check_digit(applicant, event))
    if draw(st.booleans()):
        check = draw(st.sampled_from("0123456789"))
    return UidPart(applicant, event, check)


SEPARATORS = [" x ", " X ", " × ", "×", "+", " + ", ", ", "x"]


@given(uid_parts())
def test_canonical_is_stable(part: UidPart) -> None:
    once = canonical_uid(part.canonical)
    assert canonical_uid(once) == once


@given(uid_parts())
def test_parse_round_trips_without_letter_o(part: UidPart) -> None:
    if "O" in part.event:
        return
    assert parse_uid(part.canonical).parts == (part,)
    assert parse_uid(part.ascii.lower()).parts == (part,)


@given(uid_parts(), st.data())
def test_key_invariant_under_zero_spelling(part: UidPart, data: st.DataObject) -> None:
    spelled = "".join(
        data.draw(st.sampled_from(["Ø", "0", "ø"])) if c == "Ø" else c for c in part.canonical
    )
    assert uid_key(spelled) == uid_key(part.canonical)


@given(st.lists(uid_parts(), min_size=2, max_size=5), st.data())
def test_stack_key_invariant_under_permutation(parts: list[UidPart], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(parts))
    sep = data.draw(st.sampled_from(SEPARATORS))
    text = sep.join(p.canonical for p in shuffled)
    if data.draw(st.booleans()):
        text = f"({text})"
    parsed = parse_uid(text)
    reference = parse_uid(" × ".join(p.canonical for p in parts))
    assert parsed.key == reference.key
    assert sorted(parsed.component_keys) == sorted(reference.component_keys)
    assert parse_uid(parsed.canonical).canonical == parsed.canonical


# --- real data ------------------------------------------------------------------------


def _rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _file_canonical(value: str) -> str:
    """The file's UID with ' × ' between stack parts and Ø for zero (a few rows print 0)."""
    return re.sub(r"(?<=\d)\s*[x×]\s*(?=[A-Z])", " × ", value.strip()).replace("0", "Ø")


@pytest.mark.skipif(not DATA.exists(), reason="data/lmo_events.csv not present")
def test_real_uids_marked_ok() -> None:
    rows = [r for r in _rows() if r["uid_check"] == "ok"]
    assert rows
    for row in rows:
        parsed = parse_uid(row["unique_identifier"])
        assert all(p.check_ok for p in parsed.parts), row["unique_identifier"]
        assert parsed.canonical == _file_canonical(row["unique_identifier"])


@pytest.mark.skipif(not DATA.exists(), reason="data/lmo_events.csv not present")
def test_real_uids_with_bad_check_digit_parse_with_warning() -> None:
    rows = [r for r in _rows() if r["uid_check"] == "bad_check_digit"]
    assert rows
    for row in rows:
        parsed = parse_uid(row["unique_identifier"])
        assert not all(p.check_ok for p in parsed.parts)
        assert any("verification digit mismatch" in w for w in parsed.warnings)


@pytest.mark.skipif(not DATA.exists(), reason="data/lmo_events.csv not present")
def test_real_malformed_uids_are_read_or_refused_cleanly() -> None:
    """Rows the data marks 'malformed': each is either read (spaces for dashes, dashes missing,
    ...) into a canonical UID that reads back as itself, or refused (None), never an error."""
    rows = [r for r in _rows() if r["uid_check"] == "malformed"]
    parsed = {r["unique_identifier"]: try_parse_uid(r["unique_identifier"]) for r in rows}
    readable = {text: p for text, p in parsed.items() if isinstance(p, ParsedUid)}
    refused = [text for text, p in parsed.items() if p is None]
    assert readable and refused  # both kinds occur in the real data
    assert len(readable) + len(refused) == len(parsed)
    assert "MON-Ø531-6 x MON-Ø1445-2" in refused  # event numbers too short
    for text, p in readable.items():
        assert parse_uid(p.canonical).canonical == p.canonical, text
