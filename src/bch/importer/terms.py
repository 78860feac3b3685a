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

    def first_code(self, domain: str, *codes: str) -> dict[str, str] | None:
        """The first of several candidate codes the vocabulary has."""
        for code in codes:
            for t in self._terms(domain):
                if t.code == code:
                    return term(t.identifier)
        self.missing.add(f"{domain}/{'|'.join(codes)}")
        return None

    def match(self, domain: str, text: str) -> dict[str, Any] | None:
        """The term whose title or altLabel matches `text`, else Other + customValue."""
        text = (text or "").strip()
        if not text:
            return None
        try:
            found = self.th.match(domain, text)
        except (KeyError, LookupError, ValueError):
            found = None
        if found is not None:
            return term(found.identifier)
        self.unmatched[f"{domain}: {text}"] += 1
        return other(text)

    def matches(self, domain: str, texts: list[str]) -> list[dict[str, Any]]:
        """Terms for several spellings, each term once, in order of first appearance."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for text in texts:
            found = self.match(domain, text)
            if found is None:
                continue
            marker = found["identifier"] + "|" + found.get("customValue", {}).get("en", "")
            if marker not in seen:
                seen.add(marker)
                out.append(found)
        return out
