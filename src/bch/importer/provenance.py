"""Provenance per field of the imported LMO records, and the values other sources disagree with.

Each source has an id, a label, the date its copy was retrieved, and the fields it is the most
authoritative source for (issue 16): the BCH registry for titles and traits, the regulator (CFIA)
for decisions, EURL-GMFF for detection methods. A record's block is
``{"fields": {path: [{source, record, retrieved}]}, "disagreements": [{field, source, record,
value}], "flags": [...]}``; it is stored next to the record (``record_provenance``) and shown on
the LMO page and in the API.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bch.importer.events import reliable_uid
from bch.importer.sources import GeneRow
from bch.importer.terms import Terms

# source id -> (label, retrieved, what it is authoritative for)
SOURCES: dict[str, tuple[str, str, str]] = {
    "bch2026": ("CBD Biosafety Clearing-House LMO registry (2026)", "2026-10-04", "titles, traits"),
    "bch2019": ("CBD Biosafety Clearing-House LMO registry (2019 scrape)", "2019-03-07", ""),
    "isaaa2019": ("ISAAA GM Approval Database (2019 scrape)", "2019-03-07", ""),
    "isaaa2023": ("ISAAA GM Approval Database (2023 scrape)", "2023-09-30", ""),
    "isaaa2026": ("ISAAA GM Approval Database, approvals per country", "2026-10-04", ""),
    "biotrack2019": ("OECD BioTrack Product Database (2019 scrape)", "2019-03-07", ""),
    "cfia": ("CFIA Plants with Novel Traits register", "2026-08-08", "decisions (Canada)"),
    "cfia-shared": (
        "CFIA Plants with Novel Traits register (one record for several events)",
        "2026-08-08",
        "",
    ),
    "eurl-gmff": ("EURL-GMFF GMOMETHODS and EUginius", "2026-04-18", "detection methods"),
    "bch-nfp": ("CBD Biosafety Clearing-House national focal point list", "", "focal points"),
    "ogtr": (
        "OGTR crop field trial map (archived page)",
        "2026-03-15",
        "decisions (Australia, field trials)",
    ),
    "cbd-coop2014": (
        "Note by the Executive Secretary on cooperation, COP-MOP 7 (2014)",
        "",
        "CHM organizations, events, cooperation activities",
    ),
    "import": ("derived by the importer from the sources above", "", ""),
}
# The 2019 BCH scrape overwrote columns with values of other blocks of the page (SOURCES.md):
# its traits are unreliable and never shown as a record's value.
UNRELIABLE = {"bch2019"}
TRAIT_SOURCES = ("bch2026", "isaaa2019", "biotrack2019", "cfia", "bch2019")
_CFIA_TRAITS = re.compile(r"Traits:\s*([^.]*)\.")


def entry(source: str, record: str = "") -> dict[str, str]:
    out = {"source": source, "retrieved": SOURCES[source][1]}
    if record:
        out["record"] = record
    return out


@dataclass
class TraitEvidence:
    """Which source states which trait for an LMO key (the scraped traits, per source)."""

    by_key: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # traits of a CFIA record covering several events (MS1, RF1, RF2): they name the source of a
    # value that lmo_events.csv gave each of those events, never a value of one of them
    shared: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, isaaa: list[GeneRow], biotrack: list[GeneRow], cfia: list[dict[str, Any]]
    ) -> TraitEvidence:
        found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        shared: dict[str, list[str]] = defaultdict(list)
        for row in [*isaaa, *biotrack]:
            parsed = reliable_uid(row.code) if row.code.casefold() != "not available" else None
            if parsed is not None and row.trait:
                src = "isaaa2019" if row.source == "ISAAA" else "biotrack2019"
                trait = " ".join(row.trait.split())
                if trait not in found[parsed.key][src]:
                    found[parsed.key][src].append(trait)
        for rec in cfia:
            m = _CFIA_TRAITS.search(rec.get("desc", "") or "")
            uids = [u for u in rec.get("oecd", []) or [] if reliable_uid(u)]
            if not m or not uids:
                continue
            traits = [" ".join(p.split()) for p in re.split(r"[/;]", m.group(1))]
            if len(uids) > 1:  # a record covering several events gives none its traits
                for uid in uids:
                    shared[reliable_uid(uid).key] += [t for t in traits if t]  # type: ignore[union-attr]
                continue
            key = reliable_uid(uids[0]).key  # type: ignore[union-attr]
            for t in traits:
                if t and t not in found[key]["cfia"]:
                    found[key]["cfia"].append(t)
        return cls({k: dict(v) for k, v in found.items()}, dict(shared))

    def all_of(self, key: str) -> list[tuple[str, str]]:
        """(source, trait) for every trait a source gives the LMO."""
        return [(s, t) for s, traits in self.by_key.get(key, {}).items() for t in traits]

    def source_of(self, key: str, trait: str) -> str:
        """The source a scraped trait of lmo_events.csv came from (bch2019 when no other)."""
        for src, traits in self.by_key.get(key, {}).items():
            if any(t.casefold() == trait.casefold() for t in traits):
                return src
        if any(t.casefold() == trait.casefold() for t in self.shared.get(key, [])):
            return "cfia-shared"
        return "bch2019"


def term_ids(terms: Terms, texts: list[str]) -> list[str]:
    out = []
    for t in terms.matches("dnaSequenceTraits", texts):
        custom = t.get("customValue", {}).get("en", "")
        out.append(f"{t['identifier']}|{custom}" if custom else t["identifier"])
    return out


def consistent(thesaurus: Any, term: str, authoritative: list[str]) -> bool:
    """A trait term agrees with an authoritative list when it is one of its terms, or a broader or
    narrower term of one of them ("Antibiotic resistance" agrees with "Kanamycin")."""
    if term in authoritative or "|" in term:
        return True
    related = set()
    for a in authoritative:
        if "|" in a:
            continue
        related.update(thesaurus.broader_closure(a))
        related.update(thesaurus.narrower_closure(a))
    return term in related
