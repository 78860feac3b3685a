"""Living modified organisms (``modifiedOrganism``, LMO): every row of ``lmo_events.csv``.

Each document is derived from the row and the records built before it (developers, organism,
genetic elements, detection methods, stack components). The description is generated from those
facts and says which databases they were compiled from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bch.importer.bch_registry import bch_record_url
from bch.importer.detection import DetectionCatalog
from bch.importer.events import EventIndex, LmoRow, reliable_uid
from bch.importer.genes import GeneCatalog
from bch.importer.organisms import OrganismSet
from bch.importer.organizations import OrganizationSet
from bch.importer.provenance import (
    UNRELIABLE,
    TraitEvidence,
    consistent,
    entry,
    term_ids,
)
from bch.importer.shapes import document, link, lstring, put, ref, unique
from bch.importer.sources import GeneRow
from bch.importer.terms import Terms

SCHEMA = "modifiedOrganism"
TRAITS = "dnaSequenceTraits"
ISAAA_EVENT_URL = "https://www.isaaa.org/gmapprovaldatabase/event/default.asp?EventID={}"
BIOTRACK_URL = "https://biotrackproductdatabase.oecd.org/Product.aspx?id={}"
SOURCE_LABELS = {  # column `sources` of lmo_events.csv
    "isaaa2019": ("ISAAA", "2019", "ISAAA GM Approval Database (2019 scrape)"),
    "isaaa2023": ("ISAAA", "2023", "ISAAA GM Approval Database (2023 scrape)"),
    "biotrack2019": ("OECD BioTrack", "2019", "OECD BioTrack Product Database (2019 scrape)"),
    "bch2019": ("BCH", "2019", "CBD Biosafety Clearing-House LMO registry (2019 scrape)"),
    "cfia": ("CFIA", "", "CFIA Plants with Novel Traits register (open.canada.ca)"),
    "bch2026": ("BCH", "2026", "CBD Biosafety Clearing-House LMO registry (2026)"),
}


@dataclass
class LmoContext:
    index: EventIndex
    organizations: OrganizationSet
    organisms: OrganismSet
    genes: GeneCatalog
    detection: DetectionCatalog
    biotrack: list[GeneRow]
    evidence: TraitEvidence = field(default_factory=TraitEvidence)
    # LMO key -> genes a source lists that the authoritative traits contradict (not attached)
    gene_disagreements: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # filled by build_lmos: header identifier -> provenance block (bch.importer.provenance)
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)


def _split(text: str, sep: str = ";") -> list[str]:
    return list(dict.fromkeys(p.strip() for p in (text or "").split(sep) if p.strip()))


def _sources(row: dict[str, str]) -> list[str]:
    return [s for s in _split(row.get("sources", "")) if s in SOURCE_LABELS]


def _compiled_from(codes: list[str]) -> str:
    years: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        short, year, _ = SOURCE_LABELS[code]
        if year:
            years[short].append(year)
        else:
            years.setdefault(short, [])
    parts = [f"{s} ({', '.join(sorted(y))})" if y else s for s, y in years.items()]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _description(lmo: LmoRow, ctx: LmoContext, uid: str | None) -> str:
    row = lmo.row
    common = (_split(row.get("crop_common_name", ""), ",") or [""])[0]
    common = common or ctx.organisms.common.get(lmo.key, "")
    sci = ctx.organisms.scientific.get(lmo.key, "")
    subject = f"{common} ({sci})" if common and sci else common or sci
    kind = "stack of transformation events" if lmo.is_stack else "transformation event"
    if lmo.event_name:
        text = f"{subject} {kind} {lmo.event_name}".strip()
        if uid:
            text += f" (OECD unique identifier {uid})"
    else:  # no event name in any source: the LMO as the BCH registry lists it
        what = f"{subject} {kind}".strip() if subject else f"LMO ({kind})"
        text = f"{what} registered as {uid or lmo.row.get('bch_id') or lmo.uid_text}"
    text = text[0].upper() + text[1:]
    if row.get("developer", "").strip():
        text += f", developed by {row['developer'].strip()} (applicant named by the CFIA)"
    text += "."
    traits = _split(row.get("bch_traits", "")) or _split(row.get("traits", ""))
    if traits:
        text += f" Traits: {'; '.join(traits)}."
    if _split(row.get("trade_names", "")):
        text += f" Trade names: {'; '.join(_split(row['trade_names']))}."
    if _sources(row):
        text += f" Compiled from {_compiled_from(_sources(row))} records."
    return text


def _information(lmo: LmoRow, uid: str | None) -> str:
    labels = [SOURCE_LABELS[c][2] for c in _sources(lmo.row)]
    text = f"Source: {'; '.join(labels)}." if labels else ""
    if lmo.uid_text and uid is None:
        text += (
            f" The source gives the unique identifier as '{lmo.uid_text}', which is not a "
            "well-formed OECD unique identifier; it is therefore not recorded as one here."
        )
    elif lmo.parsed is not None:
        if lmo.uid_text != uid:
            text += f" Unique identifier written '{lmo.uid_text}' in the source."
        for part in lmo.parsed.parts:
            if not part.check_ok:
                text += (
                    f" The verification digit of {part.canonical} does not follow the rule seen "
                    f"on most registered UIDs (expected {part.expected_check}); kept as published."
                )
    return text.strip()


def _documents_links(lmo: LmoRow, uid: str | None, biotrack: dict[str, str]) -> list[dict]:
    out = []
    url = bch_record_url(lmo.row)
    if url:
        name = f"Biosafety Clearing-House: {lmo.row.get('bch_identifier') or uid or lmo.uid_text}"
        out.append(link(url, name, "BCH"))
    for event_id in _split(lmo.row.get("isaaa_event_id", "")):
        if event_id.isdigit():
            name = f"ISAAA GM Approval Database: {lmo.event_name or lmo.uid_text}"
            out.append(link(ISAAA_EVENT_URL.format(event_id), name, "ISAAA"))
    if "biotrack2019" in _sources(lmo.row) and uid:
        code = biotrack.get(lmo.key, uid)
        url = BIOTRACK_URL.format(quote(code, safe=""))
        out.append(link(url, f"OECD BioTrack Product Database: {code}", "OECD"))
    return out


def _linked(lmo: LmoRow, ctx: LmoContext, ids: dict[str, str], counts: Counter[str]) -> list:
    if not lmo.is_stack:
        return []
    found = []
    for comp in lmo.components:
        key = ctx.index.resolve(comp)
        parsed = reliable_uid(comp) if key is None else None
        if parsed is not None and (key := ctx.index.resolve_digit(parsed.key)) is not None:
            counts["stack_components_linked_other_check_digit"] += 1
        found.append(key)
    keys = [k for k in dict.fromkeys(found) if k and k != lmo.key and k in ids]
    counts["stacks"] += 1
    if keys and len(keys) == len(lmo.components):
        counts["stacks_all_components_linked"] += 1
    elif keys:
        counts["stacks_some_components_linked"] += 1
    else:
        counts["stacks_no_component_in_file"] += 1
    return [ref(ids[k]) for k in keys]


def build_lmos(
    lmos: list[LmoRow], ctx: LmoContext, terms: Terms
) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, int]]:
    """LMO documents (single events first, then stacks), LMO key -> header identifier, counts."""
    ordered = sorted(lmos, key=lambda m: (m.is_stack, m.key))
    ids = {m.key: document(SCHEMA, m.key)["header"]["identifier"] for m in ordered}
    biotrack = {}
    for r in ctx.biotrack:
        parsed = reliable_uid(r.code)
        if parsed is not None:
            biotrack.setdefault(parsed.key, r.code)
    counts: Counter[str] = Counter()
    docs = []
    for lmo in ordered:
        row = lmo.row
        uid = lmo.parsed.canonical if lmo.parsed is not None else None
        doc = document(SCHEMA, lmo.key)
        # an event name, never a UID in its place (issue 16); none known: the field stays empty
        put(doc, "transformationEvent", lmo.event_name or None)
        doc["hasUniqueIdentification"] = bool(lmo.uid_text)
        put(doc, "uniqueIdentification", uid)
        title = (row.get("bch_title") or "").strip()
        put(doc, "identity", lstring(title or "; ".join(_split(row.get("trade_names", "")))))
        put(doc, "developers", [ref(i) for i in ctx.organizations.refs_for(row.get("developer"))])
        doc["description"] = lstring(_description(lmo, ctx, uid))
        org = ctx.organisms.by_lmo.get(lmo.key)
        put(doc, "recipientOrganisms", [ref(org)] if org else [])
        put(doc, "linkedModifiedOrganisms", _linked(lmo, ctx, ids, counts))
        put(doc, "genes", [ref(g) for g in ctx.genes.by_lmo.get(lmo.key, [])])
        traits, prov = _traits(lmo, ctx, terms)
        put(doc, "traits", traits)
        put(doc, "detectionMethodLinks", unique(ctx.detection.links_by_lmo.get(lmo.key, [])))
        put(doc, "relevantInformation", lstring(_information(lmo, uid)))
        put(doc, "relevantDocuments", _documents_links(lmo, uid, biotrack))
        docs.append(doc)
        ctx.provenance[doc["header"]["identifier"]] = _provenance(lmo, doc, ctx, prov)
        counts["traits_from_bch_registry"] += bool(row.get("bch_traits"))
        counts["traits_flagged_unreliable_2019"] += "traits-unreliable-2019" in prov["flags"]
        counts["with_uid"] += uid is not None
        counts["uid_not_well_formed"] += bool(lmo.uid_text) and uid is None
        counts["without_uid"] += not lmo.uid_text
        for name in ("developers", "recipientOrganisms", "genes", "detectionMethodLinks"):
            counts[f"with_{name}"] += name in doc
    report = {"modifiedOrganism": len(docs)}
    report.update({f"lmo_{k}": v for k, v in sorted(counts.items())})
    return docs, ids, report


_ROW_SOURCES = ("isaaa2019", "isaaa2023", "biotrack2019", "bch2019", "cfia", "bch2026")


def _traits(lmo: LmoRow, ctx: LmoContext, terms: Terms) -> tuple[list[dict], dict[str, Any]]:
    """The traits of the most authoritative source (the BCH registry), the others' values as
    disagreements; without the registry, the scraped traits with their sources, the 2019 BCH
    scrape's flagged as unreliable."""
    row = lmo.row
    scraped = _split(row.get("traits", ""))
    prov: dict[str, Any] = {"traits": [], "disagreements": [], "flags": []}
    authoritative = _split(row.get("bch_traits", ""))
    if authoritative:
        values = terms.matches(TRAITS, authoritative)
        prov["traits"] = [entry("bch2026", row.get("bch_id", ""))]
        shown = term_ids(terms, authoritative)
        th = terms.th
        stated = [(ctx.evidence.source_of(lmo.key, t), t) for t in scraped]
        stated += [p for p in ctx.evidence.all_of(lmo.key) if p not in stated]
        seen: set[str] = set()
        for source, trait in stated:
            if trait.casefold() in seen:
                continue
            seen.add(trait.casefold())
            ids = term_ids(terms, [trait])
            if all(i in shown or _broader_of(th, i, shown) for i in ids):
                continue
            prov["disagreements"].append(
                {
                    "field": "traits",
                    "source": source,
                    "value": trait,
                    "contradicts": not all(consistent(th, i, shown) for i in ids),
                    **({"unreliable": True} if source in UNRELIABLE else {}),
                }
            )
        return values, prov
    by_source: dict[str, list[str]] = {}
    for trait in scraped:
        by_source.setdefault(ctx.evidence.source_of(lmo.key, trait), []).append(trait)
    for source, traits in by_source.items():
        e = entry(source)
        e["values"] = traits
        if source in UNRELIABLE:
            e["unreliable"] = True
            prov["flags"].append("traits-unreliable-2019")
        prov["traits"].append(e)
    return terms.matches(TRAITS, scraped), prov


def _broader_of(th: Any, term: str, shown: list[str]) -> bool:
    """`term` is a broader term of one shown (the scraped value says less, not otherwise)."""
    return any(term in th.broader_closure(s) for s in shown if "|" not in s)


def _provenance(lmo: LmoRow, doc: dict[str, Any], ctx: LmoContext, prov: dict) -> dict:
    row = lmo.row
    scraped = [s for s in _split(row.get("sources", "")) if s in _ROW_SOURCES and s != "bch2026"]
    record = row.get("bch_id", "")
    fields: dict[str, list[dict[str, str]]] = {}
    if doc.get("transformationEvent"):
        if row.get("event_name_derived"):
            fields["transformationEvent"] = [entry("import", "event names of the components")]
        else:
            fields["transformationEvent"] = [entry(s) for s in scraped]
    if doc.get("uniqueIdentification"):
        src = [entry(s) for s in scraped] or [entry("bch2026", record)]
        if row.get("uid_as_published") and "bch2026" not in scraped:
            src.append(entry("import", f"corrected from '{row['uid_as_published']}'"))
        fields["uniqueIdentification"] = src
    if doc.get("identity"):
        if row.get("bch_title"):
            fields["identity"] = [entry("bch2026", record)]
        else:
            names = [s for s in scraped if s in ("isaaa2019", "isaaa2023", "biotrack2019")]
            fields["identity"] = [entry(s) for s in names or scraped]
    if doc.get("developers"):
        fields["developers"] = [entry("cfia")]
    if doc.get("genes"):
        fields["genes"] = [
            entry("isaaa2019"),
            *([entry("biotrack2019")] if "biotrack2019" in scraped else []),
        ]
    if doc.get("traits"):
        fields["traits"] = prov["traits"]
    if doc.get("recipientOrganisms"):
        fields["recipientOrganisms"] = [entry(s) for s in scraped] or [entry("bch2026", record)]
    if doc.get("relevantDocuments"):
        docs = [entry("bch2026", record)] if bch_record_url(row) else []
        docs += [entry(s) for s in ("isaaa2023", "biotrack2019") if s in scraped]
        fields["relevantDocuments"] = docs or [entry(s) for s in scraped]
    if doc.get("detectionMethodLinks"):
        fields["detectionMethodLinks"] = [entry("eurl-gmff")]
    if doc.get("linkedModifiedOrganisms"):
        fields["linkedModifiedOrganisms"] = [entry("import", "stack components")]
    disagreements = [*prov["disagreements"], *ctx.gene_disagreements.get(lmo.key, [])]
    block: dict[str, Any] = {"key": lmo.key, "fields": fields}
    if disagreements:
        block["disagreements"] = disagreements
    if prov["flags"]:
        block["flags"] = prov["flags"]
    if row.get("merged_names"):
        block["merged"] = _split(row["merged_names"])
    return block
