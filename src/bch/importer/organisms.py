"""Organisms (``organism``, ORGA): the recipient crops of the LMOs.

One record per distinct scientific name of ``lmo_events.csv`` (``Zea mays L.`` = ``Zea mays``,
``Malus x Domestica`` = ``Malus × domestica``). An LMO row without a scientific name gets one, in
this order, from: its common name (when that common name has a single scientific name elsewhere
in the file), the ISAAA/BioTrack rows with the same UID, or the components of its stack.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from bch.importer.events import EventIndex, LmoRow, reliable_uid
from bch.importer.shapes import document, lstring, put
from bch.importer.sources import GeneRow
from bch.importer.terms import Terms

SCHEMA = "organism"
# Every genus of the shipped data; all are flowering plants (kingdom Plantae).
PLANT_GENERA = frozenset({
    "Agrostis", "Ananas", "Beta", "Brassica", "Capsicum", "Carica", "Carthamus", "Cichorium",
    "Cucumis", "Cucurbita", "Dianthus", "Eucalyptus", "Glycine", "Gossypium", "Linum",
    "Lycopersicon", "Malus", "Medicago", "Nicotiana", "Oryza", "Petunia", "Phaseolus", "Populus",
    "Prunus", "Rosa", "Saccharum", "Solanum", "Triticum", "Vigna", "Zea",
})  # fmt: skip
COMMON_SYNONYMS = {"corn": "maize"}  # CFIA writes Corn where ISAAA writes Maize
_AUTHORITY = re.compile(r"\s+L\.?$")
_SP = re.compile(r"^sp{1,2}\.?$", re.IGNORECASE)


def parse_name(text: str) -> tuple[str, str | None, bool] | None:
    """(genus, epithet or None, hybrid) of a scientific name; None if it is not one."""
    s = _AUTHORITY.sub("", " ".join((text or "").split()))
    words = s.split(" ")
    if not words or not words[0].isalpha():
        return None
    genus = words[0].capitalize()
    rest = words[1:]
    hybrid = bool(rest) and rest[0] in ("x", "X", "×")
    if hybrid:
        rest = rest[1:]
    if not rest or _SP.match(rest[0]):
        return genus, None, hybrid
    return genus, rest[0].lower(), hybrid


def sci_key(text: str) -> str | None:
    parsed = parse_name(text)
    if parsed is None:
        return None
    genus, epithet, _ = parsed
    return f"{genus} {epithet}" if epithet else f"{genus} sp."


def _display(spellings: set[str]) -> str:
    parsed = [p for p in (parse_name(s) for s in sorted(spellings)) if p]
    genus, epithet, _ = parsed[0]
    if epithet is None:
        return f"{genus} sp."
    hybrid = any(h for _, _, h in parsed)
    return f"{genus} × {epithet}" if hybrid else f"{genus} {epithet}"


def _commons(text: str) -> list[str]:
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def _common_key(name: str) -> str:
    k = " ".join(name.split()).casefold()
    return COMMON_SYNONYMS.get(k, k)


@dataclass
class OrganismSet:
    documents: list[dict[str, Any]]
    by_lmo: dict[str, str]  # LMO natural key -> organism header identifier
    crops: dict[str, str]  # LMO natural key -> scientific name key ("Zea mays")
    scientific: dict[
        str, str
    ]  # LMO natural key -> scientific name as published ("Malus × domestica")
    common: dict[str, str]  # LMO natural key -> first common name of its organism
    report: dict[str, int]


def build_organisms(
    lmos: list[LmoRow], raw: list[GeneRow], index: EventIndex, terms: Terms
) -> OrganismSet:
    spellings: dict[str, set[str]] = defaultdict(set)
    by_common: dict[str, set[str]] = defaultdict(set)
    for lmo in lmos:
        key = sci_key(lmo.row.get("crop_scientific_name", ""))
        if key:
            spellings[key].add(lmo.row["crop_scientific_name"].strip())
            for c in _commons(lmo.row.get("crop_common_name", "")):
                by_common[_common_key(c)].add(key)
    by_uid: dict[str, set[str]] = defaultdict(set)
    for r in raw:
        parsed = reliable_uid(r.code)
        key = sci_key(r.crop_org)
        if parsed and key in spellings:
            by_uid[parsed.key].add(key)

    chosen: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for lmo in lmos:
        key = sci_key(lmo.row.get("crop_scientific_name", ""))
        how = "row"
        if key is None:
            found = set().union(
                *(
                    by_common.get(_common_key(c), set())
                    for c in _commons(lmo.row["crop_common_name"])
                )
            )
            key, how = (found.pop(), "common_name") if len(found) == 1 else (None, "")
        if key is None and len(by_uid.get(lmo.key, ())) == 1:
            key, how = next(iter(by_uid[lmo.key])), "raw_rows"
        if key is not None:
            chosen[lmo.key] = key
            counts[f"organism_from_{how}"] += 1
    for lmo in lmos:  # stacks: the one organism shared by all resolvable components
        if lmo.key in chosen or not lmo.is_stack:
            continue
        found = {chosen.get(index.resolve(c) or "") for c in lmo.components}
        if len(found) == 1 and None not in found:
            chosen[lmo.key] = found.pop()
            counts["organism_from_components"] += 1
    counts["organism_unresolved"] = len(lmos) - len(chosen)

    names: dict[str, Counter[str]] = defaultdict(Counter)
    for lmo in lmos:
        if lmo.key in chosen:
            for c in _commons(lmo.row.get("crop_common_name", "")):
                names[chosen[lmo.key]][c] += 1
    documents, ids = [], {}
    for key in sorted(spellings):
        doc = document(SCHEMA, key)
        genus, epithet, _ = parse_name(key) or (key, None, False)
        doc["scientificName"] = _display(spellings[key])
        common: dict[str, str] = {}
        for name, _n in sorted(names[key].items(), key=lambda kv: (-kv[1], kv[0])):
            common.setdefault(name.casefold(), name)
        put(doc, "commonNames", lstring(", ".join(common.values())))
        if genus in PLANT_GENERA:
            doc["kingdom"] = "Plantae"
            put(doc, "organismType", terms.code("TypeOfOrganisms", "plants"))
        doc["genus"] = genus
        put(doc, "species", epithet)
        spelled = "; ".join(sorted(spellings[key]))
        put(doc, "relevantInformation", lstring(f"Scientific name as spelled in the sources "
            f"(ISAAA, OECD BioTrack, CFIA): {spelled}."))  # fmt: skip
        documents.append(doc)
        ids[key] = doc["header"]["identifier"]
    display = {k: d["scientificName"] for k, d in zip(sorted(spellings), documents, strict=True)}
    first = {
        k: d.get("commonNames", {}).get("en", "").split(", ")[0]
        for k, d in zip(sorted(spellings), documents, strict=True)
    }
    return OrganismSet(
        documents=documents,
        by_lmo={k: ids[v] for k, v in chosen.items()},
        crops=dict(chosen),
        scientific={k: display[v] for k, v in chosen.items()},
        common={k: first[v] for k, v in chosen.items()},
        report={"organism": len(documents), **dict(sorted(counts.items()))},
    )
