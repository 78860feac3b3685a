"""OECD unique identifiers (UIDs) of living modified organisms: parse, normalise, explain.

A UID is ``applicant-event-digit``: 2-3 alphanumeric applicant characters, 5-6 alphanumeric
event characters and one verification digit, e.g. ``MON-ØØ81Ø-6``. Zero is written ``Ø``
(U+00D8) in the canonical form. Stacked products join several UIDs (``A × B``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from urllib.parse import unquote

__all__ = [
    "ParsedUid",
    "UidError",
    "UidPart",
    "canonical_uid",
    "check_digit",
    "explain",
    "parse_uid",
    "try_parse_uid",
    "uid_key",
]

ZERO = "Ø"
STACK_SEPARATOR = " × "
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + ZERO)
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_ZERO_LOOKALIKES = ("Ã˜", "Ã¸", "ø", "ō", "Ō")  # lower case, garbled and mis-decoded zeros
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_STACK_SPLIT = re.compile(r"\s+X\s+|\s*[×+,;]\s*")
_X_SPLIT = re.compile(r"(?<=[-\s]\d)\s*X\s*(?=[A-Z])")  # 'x' right after a check digit
_LOWER_X = re.compile(r"\s+x\s+|(?<=[-\s]\d)\s*x\s*(?=[A-Za-z])")
_UID_SHAPE = r"[A-Z0-9Ø]{2,3}-[A-Z0-9Ø]{5,6}-\d"
_GLUED_PAIR = re.compile(rf"(?P<first>{_UID_SHAPE})\s*X\s*(?P<rest>\S.*)")
_GLUED = "dashes missing: no dash before the verification digit"
_CHECK_NOTE = "warning only: about 7% of registered UIDs fail this rule"


class UidError(ValueError):
    """No OECD unique identifier can be read from the text."""


def _value(char: str) -> int:
    """Numeric value of one UID character: A=1..Z=26, digits at face value, Ø=0."""
    char = char.upper()
    if char in ("0", ZERO):
        return 0
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 1


def _digital_root(total: int) -> int:
    return 1 + (total - 1) % 9


@lru_cache(maxsize=8192)  # shipment checks and imports ask for the same UIDs again and again
def check_digit(applicant: str, event: str) -> int:
    """Verification digit: digital root of the character values of applicant + event."""
    return _digital_root(sum(_value(c) for c in applicant + event))


@dataclass(frozen=True)
class UidPart:
    """One UID, canonical: upper case, Ø for zero digits."""

    applicant: str
    event: str
    check: str

    @property
    def canonical(self) -> str:
        return f"{self.applicant}-{self.event}-{self.check}"

    @property
    def ascii(self) -> str:
        return self.canonical.replace(ZERO, "0")

    @property
    def expected_check(self) -> int:
        return check_digit(self.applicant, self.event)

    @property
    def check_ok(self) -> bool:
        return self.check == str(self.expected_check)

    def computation(self) -> str:
        """E.g. ``M=13 O=15 N=14 0 0 8 1 0 -> sum 51 -> digital root 6``."""
        chars = self.applicant + self.event
        terms = " ".join(
            str(_value(c)) if not c.isalpha() or c == ZERO else f"{c}={_value(c)}" for c in chars
        )
        total = sum(_value(c) for c in chars)
        return f"{terms} -> sum {total} -> digital root {self.expected_check}"


@dataclass(frozen=True)
class ParsedUid:
    """A single UID or a stack of UIDs, with the normalisations applied as warnings."""

    original: str
    parts: tuple[UidPart, ...]
    warnings: tuple[str, ...] = ()

    @property
    def is_stack(self) -> bool:
        return len(self.parts) > 1

    @property
    def canonical(self) -> str:
        return STACK_SEPARATOR.join(p.canonical for p in self.parts)

    @property
    def component_keys(self) -> tuple[str, ...]:
        return tuple(p.ascii for p in self.parts)

    @property
    def key(self) -> str:
        """Order-independent comparison key (ASCII forms, sorted, joined with '+')."""
        return "+".join(sorted(self.component_keys))


def _normalise(text: str, notes: list[str]) -> str:
    """Undo encoding noise: percent-encoding, look-alike zeros and dashes, case, spacing."""
    s = text
    if _PERCENT.search(s):
        s = unquote(s)
        notes.append("percent-encoding decoded")
    for bad in _ZERO_LOOKALIKES:
        if bad in s:
            s = s.replace(bad, ZERO)
            notes.append(f"{bad!r} read as Ø (zero)")
    s = unicodedata.normalize("NFKC", s)
    if any(d in s for d in _DASHES):
        s = s.translate({ord(d): "-" for d in _DASHES})
        notes.append("typographic dash read as '-'")
    s = " ".join(s.split()).strip(" ,;.")
    while len(s) > 1 and s[0] in "([{" and s[-1] in ")]}":
        s = s[1:-1].strip(" ,;.")
    letters = _LOWER_X.sub(" ", s)  # a lower-case 'x' stack separator is not lower case
    if letters != letters.upper():
        notes.append("lower case read as upper case")
    return s.upper()


def _split_body(body: str, notes: list[str]) -> tuple[str, str]:
    """Split applicant+event written without a dash (applicant preferably all letters)."""
    n = len(body)
    if n == 7:
        cut = 2
    elif n == 9:
        cut = 3
    elif n == 8:
        cut = 3 if body[:3].isalpha() and ZERO not in body[:3] else 2
    else:
        raise UidError(
            f"{body!r} has {n} characters without a dash, expected 7-9 (applicant 2-3 + event 5-6)"
        )
    notes.append("dashes missing: applicant and event run together")
    return body[:cut], body[cut:]


def _tokens(chunk: str, notes: list[str]) -> tuple[str, str, str]:
    """Cut one UID into applicant, event and verification digit."""
    if "-" not in chunk and " " not in chunk and len(chunk) < 8:
        raise UidError(
            f"{chunk!r} has {len(chunk)} characters and no dashes, expected applicant-event-digit"
        )
    if re.search(r"\S\s+\S", re.sub(r"\s*-\s*", "-", chunk)):
        notes.append("spaces used instead of dashes")
    tokens = [t for t in re.split(r"\s*-\s*|\s+", chunk) if t]
    if len(tokens) == 3:
        return tokens[0], tokens[1], tokens[2]
    if len(tokens) == 2 and len(tokens[1]) == 1:
        return (*_split_body(tokens[0], notes), tokens[1])
    if len(tokens) == 2 and len(tokens[0]) in (2, 3) and len(tokens[1]) in (6, 7):
        notes.append(_GLUED)
        return tokens[0], tokens[1][:-1], tokens[1][-1]
    if len(tokens) == 1:
        notes.append(_GLUED)
        return (*_split_body(tokens[0][:-1], notes), tokens[0][-1])
    raise UidError(
        f"{chunk!r} has {len(tokens)} dash-separated parts, expected 3 (applicant-event-digit)"
    )


def _resolve_letter_o(applicant: str, event: str, check: str, notes: list[str]) -> str:
    """Choose zero or letter for each 'O' in the event; the verification digit breaks ties."""
    spots = [i for i, c in enumerate(event) if c == "O"]
    if not spots:
        return event
    for k in range(len(spots) + 1):
        for letters in combinations(spots, k):
            cand = "".join(
                ZERO if c == "O" and i not in letters else c for i, c in enumerate(event)
            )
            if str(check_digit(applicant, cand)) == check:
                if k:
                    notes.append(f"letter O kept in event {cand!r} (only then the digit matches)")
                if k < len(spots):
                    notes.append(f"letter O read as zero in event {cand!r}")
                return cand
    cand = event.replace("O", ZERO)
    notes.append(f"letter O read as zero in event {cand!r}")
    return cand


def _parse_one(chunk: str, notes: list[str]) -> UidPart:
    bad = sorted({c for c in chunk if c not in _ALNUM and c not in "- "})
    if bad:
        raise UidError(f"{chunk!r} contains unexpected character(s) {' '.join(map(repr, bad))}")
    mark = len(notes)
    applicant, event, check = _tokens(chunk, notes)
    glued = _GLUED in notes[mark:]
    if not 2 <= len(applicant) <= 3:
        raise UidError(
            f"applicant part {applicant!r} has {len(applicant)} characters, expected 2-3"
        )
    if not 5 <= len(event) <= 6:
        raise UidError(f"event part {event!r} has {len(event)} characters, expected 5-6")
    if len(check) != 1 or not check.isdigit():
        raise UidError(f"verification digit {check!r} is not a single digit")
    if "0" in applicant + event:
        notes.append("Ø written as 0")
    applicant, event = applicant.replace("0", ZERO), event.replace("0", ZERO)
    event = _resolve_letter_o(applicant, event, check, notes)
    part = UidPart(applicant, event, check)
    if glued and not part.check_ok:  # an undashed last character must prove it is the digit
        raise UidError(
            f"{chunk!r}: no dash before the last character {check!r}, and it does not verify "
            f"as the verification digit (computed {part.expected_check}); is the digit missing?"
        )
    if not part.check_ok:
        notes.append(
            f"{part.canonical}: verification digit mismatch, given {check}, "
            f"computed {part.expected_check} ({_CHECK_NOTE})"
        )
    return part


def _parse_chunk(chunk: str, notes: list[str]) -> list[UidPart]:
    """One separator-delimited chunk: a UID, or UIDs glued by 'x' with no spaces."""
    local: list[str] = []
    try:
        parts = [_parse_one(chunk, local)]
    except UidError as first:
        pieces = _split_glued(chunk) or _X_SPLIT.split(chunk)
        local = []
        try:
            if len(pieces) < 2:
                raise
            parts = [_parse_one(p, local) for p in pieces]
        except UidError:
            raise first from None
    notes.extend(local)
    return parts


def _split_glued(chunk: str) -> list[str]:
    """Dashed UIDs glued by 'X' ('A-11111-7XB-1XA11-3'): cut only after a whole UID, so an X
    inside an event code is never taken for a separator."""
    pieces: list[str] = []
    rest = chunk
    while (m := _GLUED_PAIR.fullmatch(rest)) is not None:
        pieces.append(m["first"])
        rest = m["rest"]
    return [*pieces, rest] if pieces else []


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def parse_uid(text: str) -> ParsedUid:
    """Parse a UID or a stack of UIDs; raise UidError when no UID can be read (each text read
    once per process: an LMO page reads its UIDs and its components' several times)."""
    found = _try_parse(text) if isinstance(text, str) else None
    return found if found is not None else _parse_uid(text)


def _parse_uid(text: str) -> ParsedUid:
    if not isinstance(text, str) or not text.strip():
        raise UidError(f"{text!r}: empty string, no UID")
    notes: list[str] = []
    norm = _normalise(text, notes)
    chunks = [c for c in _STACK_SPLIT.split(norm) if c.strip()]
    if not chunks:
        raise UidError(f"{text!r}: no UID found")
    parts: list[UidPart] = []
    for i, chunk in enumerate(chunks, 1):
        try:
            parts.extend(_parse_chunk(chunk.strip(), notes))
        except UidError as exc:
            where = f"stack component {i} of {len(chunks)}: " if len(chunks) > 1 else ""
            raise UidError(f"{text!r}: {where}{exc}") from None
    return ParsedUid(text, tuple(parts), _dedupe(notes))


def try_parse_uid(text: str) -> ParsedUid | None:
    """Like parse_uid, but None instead of UidError."""
    if not isinstance(text, str):
        return None
    return _try_parse(text)


@lru_cache(maxsize=65_536)
def _try_parse(text: str) -> ParsedUid | None:
    """Each UID read once per process (a publish reads its UIDs three times: facets, texts,
    keys; a bootstrap reads the same few thousand UIDs in a million records). ParsedUid is
    frozen: sharing it is safe."""
    try:
        return _parse_uid(text)
    except UidError:
        return None


def uid_key(text: str) -> str | None:
    """Comparison key of a UID or stack, None if unparseable."""
    parsed = try_parse_uid(text)
    return parsed.key if parsed else None


def canonical_uid(text: str) -> str:
    """Canonical display form; raises UidError."""
    return parse_uid(text).canonical


def explain(text: str) -> list[str]:
    """Human-readable account of how a string is read (for ``bch uid check``)."""
    lines = [f"input: {text!r}"]
    try:
        parsed = parse_uid(text)
    except UidError as exc:
        return [*lines, f"not a valid OECD unique identifier: {exc}"]
    fixes = [w for w in parsed.warnings if "verification digit mismatch" not in w]
    lines += [f"normalised: {w}" for w in fixes] or ["no normalisation needed"]
    if parsed.is_stack:
        lines.append(f"stack of {len(parsed.parts)} UIDs, in this order:")
    for n, part in enumerate(parsed.parts, 1):
        verdict = (
            ": matches" if part.check_ok else f", given {part.check}: MISMATCH ({_CHECK_NOTE})"
        )
        lines.append(
            f"  {n}. {part.canonical}: applicant {part.applicant}, event {part.event}, "
            f"verification digit {part.check}"
        )
        lines.append(f"     {part.computation()}{verdict}")
    lines.append(f"canonical: {parsed.canonical}")
    lines.append(f"key: {parsed.key}")
    return lines
