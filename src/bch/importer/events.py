"""Identity of the LMOs in ``lmo_events.csv``: natural keys, UIDs, stack components, event names.

The natural key of an LMO is the OECD UID key (``bch.records.oecd_uid.uid_key``) when the file
gives a well-formed UID, otherwise ``event:<event name>`` (or ``raw:<text>`` as a last resort).
The same keys link decisions, genes and detection methods to LMOs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from bch.records.oecd_uid import ParsedUid, try_parse_uid

_STACK_SPLIT = re.compile(r"\s+[xX×]\s+|\s*×\s*")
_PARENS = re.compile(r"\(([^()]*)\)")
_LEADING_EVENT = re.compile(r"^\s*event\s+", re.IGNORECASE)


def split_stack(text: str) -> list[str]:
    """``A x B × C`` -> [A, B, C] (only spaced ``x`` or ``×`` separate components)."""
    return [p.strip() for p in _STACK_SPLIT.split(text or "") if p.strip()]


def reliable_uid(text: str) -> ParsedUid | None:
    """Parse a UID, refusing readings that are guesses: a component whose dashes had to be
    reconstructed AND whose verification digit then fails is an event name (``MON87708``),
    not a UID."""
    parsed = try_parse_uid(text) if text and text.strip() else None
    if parsed is None:
        return None
    for comp in split_stack(text) or [text]:
        one = try_parse_uid(comp)
        if one is None:
            return None
        guessed = any("dashes missing" in w for w in one.warnings)
        if guessed and not all(p.check_ok for p in one.parts):
            return None
    return parsed


def is_written_uid(text: str) -> bool:
    """A UID written as one (dashes in place), not an event name that happens to parse as one
    (ISAAA names Enlist E3 soybean ``DAS44406-6``)."""
    parsed = try_parse_uid(text) if text and text.strip() else None
    return parsed is not None and not any("dashes missing" in w for w in parsed.warnings)


def norm_name(name: str) -> str:
    """Comparison form of an event name: case, spaces, dashes, dots, ``Ø`` and a leading
    ``Event`` do not matter (``GTS 40-3-2`` = ``gts4032``, ``Event 1`` = ``1``)."""
    s = unicodedata.normalize("NFKC", name or "").replace("Ø", "0").replace("ø", "0")
    s = _LEADING_EVENT.sub("", s)
    return re.sub(r"[^0-9a-z/]", "", s.casefold())


def name_variants(event_name: str) -> set[str]:
    """The event name, the name without its parenthesised part, and each parenthesised alias
    (``11363 (1363A)`` -> {11363 (1363A), 11363, 1363A})."""
    out = {event_name}
    bare = _PARENS.sub(" ", event_name).strip()
    if bare:
        out.add(bare)
    for inner in _PARENS.findall(event_name):
        out.update(a.strip() for a in inner.split(",") if a.strip())
    return {n for n in (norm_name(v) for v in out) if n}


def uid_aliases(parsed: ParsedUid) -> set[str]:
    """Usual short names of a single UID with a numeric event part: ``DAS-Ø15Ø7-1`` ->
    {``das1507``, ``1507``} (the bare number only from 4 digits on)."""
    if parsed.is_stack:
        return set()
    part = parsed.parts[0]
    digits = part.event.replace("Ø", "0")
    if not digits.isdigit():
        return set()
    number = str(int(digits))
    out = {norm_name(f"{part.applicant}{number}")}
    if len(number) >= 4:
        out.add(number)
    return out


@dataclass
class LmoRow:
    row: dict[str, str]
    key: str
    uid_text: str
    parsed: ParsedUid | None  # None: no UID, or one that is not well formed
    # stack components to resolve: single UIDs when the UID parses, else the raw parts
    components: list[str] = field(default_factory=list)

    @property
    def event_name(self) -> str:
        return self.row.get("event_name", "").strip()

    @property
    def is_stack(self) -> bool:
        return len(self.components) > 1

    @property
    def has_uid(self) -> bool:
        return bool(self.uid_text)


def lmo_rows(rows: list[dict[str, str]]) -> list[LmoRow]:
    out = []
    for row in rows:
        uid_text = (row.get("unique_identifier") or "").strip()
        parsed = reliable_uid(uid_text)
        name = (row.get("event_name") or "").strip()
        if parsed is not None:
            key = parsed.key
        elif name:
            key = f"event:{name}"
        elif (row.get("bch_id") or "").strip():  # an LMO of the BCH registry without UID
            key = f"bch:{row['bch_id'].strip()}"
        else:
            key = f"raw:{uid_text}"
        if parsed is not None:
            components = [p.ascii for p in parsed.parts]
        else:
            components = split_stack(uid_text) if uid_text else split_stack(name)
        out.append(LmoRow(row, key, uid_text, parsed, components))
    return out


def loose_key(key: str) -> str:
    """A UID key without its verification digits (``FLO-11363-1`` ~ ``FLO-11363-2``)."""
    return "+".join(sorted(re.sub(r"-\d$", "", part) for part in key.split("+")))


class EventIndex:
    """Event name -> LMO keys; a name naming more than one LMO is ambiguous."""

    def __init__(self, lmos: list[LmoRow]):
        self._names: dict[str, set[str]] = defaultdict(set)
        self._keys = {lmo.key for lmo in lmos}
        self._loose: dict[str, set[str]] = defaultdict(set)
        for lmo in lmos:
            if lmo.parsed is not None:
                self._loose[loose_key(lmo.key)].add(lmo.key)
            if lmo.event_name:
                # a stack's parenthesised alias may name the stack or its last component
                names = {norm_name(lmo.event_name)} if lmo.is_stack else None
                for n in names or name_variants(lmo.event_name):
                    self._names[n].add(lmo.key)
            if lmo.parsed is not None:
                for alias in uid_aliases(lmo.parsed):
                    self._names[alias].add(lmo.key)

    def has_key(self, key: str | None) -> bool:
        return key is not None and key in self._keys

    def candidates(self, name: str) -> set[str]:
        return set(self._names.get(norm_name(name), set()))

    def lookup(self, name: str) -> str | None:
        """The one LMO key the name designates, or None (unknown or ambiguous)."""
        found = self.candidates(name)
        return next(iter(found)) if len(found) == 1 else None

    def resolve(self, text: str) -> str | None:
        """A UID (any spelling) or an event name -> LMO key present in the file."""
        parsed = reliable_uid(text)
        if parsed is not None and parsed.key in self._keys:
            return parsed.key
        return self.lookup(text)

    def resolve_digit(self, key: str) -> str | None:
        """The one LMO whose UID differs from `key` only in verification digits (sources
        disagree on some digits: ISAAA 2019 ``FLO-11363-1``, BCH ``FLO-11363-2``)."""
        found = self._loose.get(loose_key(key), set())
        return next(iter(found)) if len(found) == 1 else None
