"""Thesaurus look-ups for the importer: terms by code, source spellings by ``match``.

Identifiers are never hard-coded here: they come from the vocabulary YAML files through
``bch.records.thesaurus``. A spelling no term matches becomes "Other" with the text as
``customValue``, and is counted so the plan can report it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bch.importer.shapes import other, term
from bch.records.thesaurus import get_thesaurus


class Terms:
    def __init__(self, thesaurus: Any = None):
        self.th = thesaurus if thesaurus is not None else get_thesaurus()
        self.unmatched: Counter[str] = Counter()  # "domain: text" -> times seen
        self.missing: set[str] = set()  # "domain/code" that the vocabulary lacks

    def _terms(self, domain: str) -> list[Any]:
        try:
            dom = self.th.domain(domain)
        except (KeyError, LookupError, ValueError):
            return []
        return list(getattr(dom, "terms", []) or []) if dom is not None else []

    def code(self, domain: str, code: str) -> dict[str, str] | None:
        """``{"identifier": ...}`` of the term of `domain` with this code (None if absent)."""
        for t in self._terms(domain):
            if t.code == code:
                return term(t.identifier)
        self.missing.add(f"{domain}/{code}")
        return None

    def match(self, domain: str, text: str) -> list[dict[str, Any]]:
        """The terms a source label names (``match_all``: "Glufosinate, 2,4-D and glyphosate
        tolerance" names three), else [Other + customValue]."""
        text = (text or "").strip()
        if not text:
            return []
        try:
            found = list(self.th.match_all(domain, text))
        except (KeyError, LookupError, ValueError):
            found = []
        if found:
            return [term(t.identifier) for t in found]
        self.unmatched[f"{domain}: {text}"] += 1
        return [other(text)]

    def matches(self, domain: str, texts: list[str]) -> list[dict[str, Any]]:
        """Terms for several spellings, each term once, in order of first appearance."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for found in (t for text in texts for t in self.match(domain, text)):
            marker = found["identifier"] + "|" + found.get("customValue", {}).get("en", "")
            if marker not in seen:
                seen.add(marker)
                out.append(found)
        return out
