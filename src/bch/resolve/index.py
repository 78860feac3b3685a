"""Resolve any name a source or a user writes to LMOs: ranked candidates with scores and reasons.

Order of evidence: an OECD UID (any spelling; stacks in any order), a title ``UID - name``, an
exact alias (event, trade, short UID form, method target, register title), a stack written
with event names (``MON863 x MON810``), an event name inside a longer text (``Cornline 1507``),
then fuzzy similarity (rapidfuzz). Several LMOs for the same evidence are reported as
ambiguous, never guessed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process

from bch.importer.events import reliable_uid
from bch.resolve.aliases import (
    EVENT,
    TARGET,
    TITLE,
    TRADE,
    UID_SHORT,
    Alias,
    Lmo,
    build_aliases,
)
from bch.resolve.aliases import norm as norm_name

_TITLE_SPLIT = re.compile(r"\s+[-–—:]\s+")
_STACK_SPLIT = re.compile(r"\s+[xX×+]\s+|\s*×\s*|\s*,\s*")
_UIDISH = re.compile(
    r"[A-Za-z0-9ØøōŌ]{2,3}\s*[-–]\s*[A-Za-z0-9ØøōŌ]{5,6}\s*[-–]?\s*\d"  # dashed
    r"|^(?=\S*[0Øø])[A-Za-z0-9Øø]{7,9}\s?\d$"  # undashed, with a zero (MONØØ81Ø6)
    r"|%C3%98"
)
_DROPPED = re.compile(r"^[A-Z]{2,3}-[A-Z1-9]{1,5}-\d$")
_FAST_PART = re.compile(r"[A-Z0-9Ø]{2,3}-[A-NP-Z1-9Ø0]{5,6}-\d")  # no letter O in the event
_FAST_SEP = re.compile(r"\s+[xX×]\s+|\s*×\s*|(?<=-\d)[xX](?=[A-Z0-9])")


def _fast_key(text: str) -> str | None:
    """Key of a UID or stack already written in a regular form (``MON-ØØ81Ø-6 x ...``)."""
    parts = _FAST_SEP.split(text.strip())
    if not all(_FAST_PART.fullmatch(p) for p in parts):
        return None
    return "+".join(sorted(p.replace("Ø", "0") for p in parts))


_KIND_SCORE = {EVENT: 0.97, UID_SHORT: 0.95, TARGET: 0.93, TITLE: 0.96, TRADE: 0.9}
FUZZY_CUTOFF = 90.0
ACCEPT = 0.85  # a single candidate at or above this score is the answer


@dataclass
class Candidate:
    key: str
    uid: str | None
    name: str
    score: float
    reasons: list[str]
    provenance: list[str] = field(default_factory=list)
    relation: str = "match"  # match | component (of the stack named)
    components: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "uniqueIdentification": self.uid,
            "name": self.name,
            "score": round(self.score, 3),
            "reasons": self.reasons,
            "provenance": self.provenance[:8],
            "relation": self.relation,
            "components": self.components,
        }


@dataclass
class Resolution:
    query: str
    candidates: list[Candidate]
    ambiguous: bool
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        """The answer: the single top candidate, when not ambiguous and strong enough."""
        if self.ambiguous or not self.candidates or self.candidates[0].score < ACCEPT:
            return None
        return self.candidates[0]

    def to_json(self) -> dict[str, Any]:
        best = self.best
        return {
            "query": self.query,
            "resolved": best.to_json() if best else None,
            "ambiguous": self.ambiguous,
            "candidates": [c.to_json() for c in self.candidates],
            "notes": self.notes,
        }


class Resolver:
    def __init__(self, lmos: dict[str, Lmo], aliases: dict[str, dict[str, list[Alias]]]):
        self.lmos = lmos
        self.aliases = aliases
        self._choices = list(aliases)
        self._sorted = sorted(aliases)
        self._components: dict[str, list[dict[str, Any]]] = {}
        dropped: dict[str, set[str]] = defaultdict(set)
        for key, lmo in lmos.items():
            if lmo.uid and not lmo.components:
                app, event, check = lmo.uid.split("-")
                dropped[f"{app}-{event.replace('Ø', '')}-{check}"].add(key)
        self._dropped = {k: next(iter(v)) for k, v in dropped.items() if len(v) == 1}

    def _zero_dropped(self, text: str, out: dict[str, Candidate]) -> None:
        """GMO Compass drops Ø: ``MON-63-6 X MON-81-6`` for ``MON-ØØ6Ø3-6 x MON-ØØ81Ø-6``."""
        parts = _STACK_SPLIT.split(text.upper().replace("Ō", "").replace("ō", ""))
        if not parts or not all(_DROPPED.match(p.strip()) for p in parts):
            return
        keys = [self._dropped.get(p.strip()) for p in parts]
        if None in keys:
            return
        key = "+".join(sorted(keys))
        if key in self.lmos:
            out[key] = self._candidate(
                key, 0.9, "UID with its zeros dropped (as GMO Compass prints)"
            )

    def _candidate(self, key: str, score: float, reason: str, prov: list[str] = ()) -> Candidate:
        lmo = self.lmos[key]
        comps = self._components.get(key)
        if comps is None:
            comps = self._components[key] = [
                {"key": c, "uniqueIdentification": self.lmos[c].uid, "name": self.lmos[c].name}
                if c in self.lmos
                else {"key": c, "uniqueIdentification": None, "name": None}
                for c in lmo.components
            ]
        return Candidate(key, lmo.uid, lmo.name, score, [reason], list(prov), components=comps)

    def _by_uid(self, text: str, out: dict[str, Candidate], notes: list[str]) -> bool:
        fast = _fast_key(text)
        if fast is not None:  # already in a regular form: no parsing needed
            if fast in self.lmos:
                out[fast] = self._candidate(fast, 1.0, "OECD unique identifier")
            else:
                self._unknown_uid(fast, fast.split("+"), out, notes)
            return True
        parsed = reliable_uid(text) if _UIDISH.search(text) else None
        if parsed is None:
            return False
        fixes = [w for w in parsed.warnings if "mismatch" not in w]
        why = "OECD unique identifier" + (f" ({'; '.join(fixes)})" if fixes else "")
        if parsed.key in self.lmos:
            out[parsed.key] = self._candidate(parsed.key, 1.0, why)
            return True
        self._unknown_uid(parsed.canonical, list(parsed.component_keys), out, notes)
        return True

    def _unknown_uid(self, shown: str, comps: list[str], out, notes: list[str]) -> None:
        notes.append(f"{shown} is a well-formed UID but no LMO has it")
        if len(comps) > 1:
            for comp in comps:
                if comp in self.lmos:
                    c = self._candidate(comp, 0.6, f"component of the unregistered stack {shown}")
                    c.relation = "component"
                    out.setdefault(comp, c)

    def _exact(self, norm: str) -> dict[str, list[Alias]]:
        return self.aliases.get(norm, {})

    def _add_alias_hits(self, hits: dict[str, list[Alias]], out: dict[str, Candidate], factor=1.0):
        for key, entries in hits.items():
            best = max(entries, key=lambda a: _KIND_SCORE[a.kind])
            score = _KIND_SCORE[best.kind] * factor
            reason = f"{best.kind} {best.text!r}"
            prov = [a.provenance for a in entries]
            if key not in out or out[key].score < score:
                out[key] = self._candidate(key, score, reason, prov)

    def _brand_family(self, norm: str, out: dict[str, Candidate]) -> None:
        """A bare trade mark (``YieldGard``) that starts the trade names of several single events
        (YieldGard = MON810, YieldGard Rootworm = MON863, YieldGard VT Pro = MON89034) names a
        brand, not one event: every such event becomes an equal candidate."""
        exact = any(c.reasons[0].startswith(TRADE) for c in out.values())
        if (out and not exact) or len(norm) < 5:
            return
        family: dict[str, str] = {}
        i = bisect_left(self._sorted, norm)
        while i < len(self._sorted) and self._sorted[i].startswith(norm):
            for key, entries in self.aliases[self._sorted[i]].items():
                if not self.lmos[key].components and any(a.kind == TRADE for a in entries):
                    family.setdefault(key, entries[0].text)
            i += 1
        if len(family) > 1 or (family and not out):
            score = max(c.score for c in out.values()) if out else 0.86
            for key, text in family.items():
                c = self._candidate(key, score, f"trade-name family: {text!r}")
                if len(family) > 1:
                    c.reasons.append(f"the brand is used for {len(family)} events")
                out[key] = c

    def _stack(self, text: str, out: dict[str, Candidate]) -> None:
        parts = [p for p in _STACK_SPLIT.split(text) if p.strip()]
        if len(parts) < 2:
            return
        keys = []
        for p in parts:
            hits = self._exact(norm_name(p))
            single = [k for k in hits if not self.lmos[k].components]
            if len(single) != 1:
                return
            keys.append(single[0])
        stack = "+".join(sorted(keys))
        if stack in self.lmos:
            self._add_alias_hits({}, out)
            out[stack] = self._candidate(stack, 0.96, f"stack of {len(keys)} named events")
        for k in keys:
            c = self._candidate(k, 0.7 if stack in self.lmos else 0.8, "named stack component")
            c.relation = "component"
            out.setdefault(k, c)

    def _contained(self, text: str, out: dict[str, Candidate]) -> None:
        words = [w for w in re.split(r"[\s/]+", text) if w]
        found: dict[str, list[Alias]] = defaultdict(list)
        for i in range(len(words)):
            for j in (i + 1, i + 2):
                if j <= len(words) and (i, j) != (0, len(words)):
                    for key, entries in self._exact(norm_name(" ".join(words[i:j]))).items():
                        found[key] += [a for a in entries if a.kind in (EVENT, UID_SHORT)]
        found = {k: v for k, v in found.items() if v}
        looks_stacked = len([p for p in _STACK_SPLIT.split(text) if p.strip()]) > 1
        for key, entries in found.items():
            c = self._candidate(
                key,
                0.7 if looks_stacked else 0.86,
                f"contains {entries[0].kind} {entries[0].text!r}",
                [a.provenance for a in entries],
            )
            if looks_stacked:  # one event named inside a stack: a component, not the answer
                c.relation = "component"
            out.setdefault(key, c)

    def _fuzzy(self, norm: str, out: dict[str, Candidate]) -> None:
        if len(norm) < 4:
            return
        for choice, score, _ in process.extract(
            norm, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5
        ):
            for key, entries in self.aliases[choice].items():
                s = 0.9 * score / 100
                if key not in out or out[key].score < s:
                    out[key] = self._candidate(
                        key,
                        s,
                        f"similar ({score:.0f}%) to {entries[0].kind} {entries[0].text!r}",
                        [a.provenance for a in entries],
                    )

    def resolve(self, name: str) -> Resolution:
        text = " ".join((name or "").split())
        out: dict[str, Candidate] = {}
        notes: list[str] = []
        if not text:
            return Resolution(name, [], False, ["empty name"])
        self._by_uid(text, out, notes)
        if not out:
            pieces = _TITLE_SPLIT.split(text)
            if len(pieces) > 1:
                for piece in pieces:
                    self._by_uid(piece, out, notes)
                for c in out.values():
                    c.reasons.append("title 'UID - name'")
        if not any(c.score >= 1.0 for c in out.values()):
            norm = norm_name(text)
            self._add_alias_hits(self._exact(norm), out)
            self._brand_family(norm, out)
            if not out:
                self._stack(text, out)
            if not out:
                self._zero_dropped(text, out)
            if not out:
                self._contained(text, out)
            if not out:
                self._fuzzy(norm, out)
        ranked = sorted(out.values(), key=lambda c: (-c.score, c.key))
        top = [c for c in ranked if c.relation == "match"]
        ambiguous = len(top) > 1 and top[0].score - top[1].score < 0.02
        if ambiguous:
            notes.append(
                f"{len([c for c in top if top[0].score - c.score < 0.02])} LMOs answer "
                "to this name equally well; not guessing"
            )
        return Resolution(name, ranked, ambiguous, notes)


@cache
def default_resolver() -> Resolver:
    lmos, aliases = build_aliases()
    return Resolver(lmos, aliases)
