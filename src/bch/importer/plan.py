"""The import plan: every record document built from the shipped data, in dependency order.

``build_plan`` is pure: it reads ``data_dir`` and returns documents; nothing is stored. The same
input always gives the same output (identifiers are uuid5 of natural keys, lists are sorted).
Order: organizations, authorities, organisms, genetic elements, LMOs (single events before
stacks), decisions, so every reference points to a document earlier in the list.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bch.importer import sources, truth
from bch.importer.authorities import build_authorities
from bch.importer.check import check_plan
from bch.importer.cooperation import build_cooperation
from bch.importer.decisions import build_decisions
from bch.importer.detection import DetectionMethod, build_detection
from bch.importer.events import EventIndex, lmo_rows
from bch.importer.gene_symbols import CANONICAL, gene_key
from bch.importer.genes import build_genes
from bch.importer.lmos import LmoContext, build_lmos
from bch.importer.organisms import build_organisms
from bch.importer.organizations import build_organizations
from bch.importer.provenance import TraitEvidence, entry, term_ids
from bch.importer.registers import build_field_trials, build_focal_points
from bch.importer.reported import build_reported
from bch.importer.shapes import document
from bch.importer.terms import Terms
from bch.records.realms import get_registry
from bch.services.richtext import from_plain_text, map_rich


@dataclass
class ImportPlan:
    documents: list[dict]  # record documents in dependency order (referenced records first)
    detection_methods: list[DetectionMethod]
    report: dict[str, int]  # counts per kind (schema name) and notable skips
    notes: list[str] = field(default_factory=list)  # human-readable details of skips/ambiguities
    # header identifier -> provenance block of the record (bch.importer.provenance)
    provenance: dict[str, dict] = field(default_factory=dict)
    # (schema, header identifier, reason): records of a previous version merged away (tombstoned)
    retired: list[tuple[str, str, str]] = field(default_factory=list)
    # approvals reported by ISAAA per country (never decision records): country, uid_key, uid
    reported: list[dict[str, str]] = field(default_factory=list)


def build_plan(data_dir: Path | None = None) -> ImportPlan:
    terms = Terms()
    corrected = truth.correct_rows(sources.lmo_events(data_dir), _registry(data_dir))
    events = corrected.rows
    lmos = lmo_rows(events)
    index = EventIndex(lmos)
    isaaa = sources.isaaa_gene_rows(data_dir)
    biotrack = sources.biotrack_gene_rows(data_dir)
    cfia = sources.cfia_records(data_dir)

    orgs, org_report = build_organizations(events, cfia)
    authorities, authority_ids = build_authorities()
    organisms = build_organisms(lmos, [*isaaa, *biotrack], index, terms)
    authoritative = {
        m.key: term_ids(terms, _split(m.row.get("bch_traits", "")))
        for m in lmos
        if m.row.get("bch_traits")
    }
    genes = build_genes(isaaa, biotrack, index, terms, authoritative)
    detection = build_detection(
        sources.euginius_methods(data_dir), sources.crl_amplicons(data_dir), index, organisms.crops
    )
    evidence = TraitEvidence.build(isaaa, biotrack, cfia)
    ctx = LmoContext(
        index, orgs, organisms, genes, detection, biotrack, evidence, genes.disagreements
    )
    lmo_docs, lmo_ids, lmo_report = build_lmos(lmos, ctx, terms)
    decisions, decision_report = build_decisions(
        sources.country_approvals(data_dir), cfia, index, lmo_ids, authority_ids, orgs, terms
    )
    focal_points, focal_report = build_focal_points(sources.bch_focal_points(data_dir))
    trials = build_field_trials(sources.ogtr_field_trials(data_dir), orgs, terms)
    chm, chm_report = build_cooperation(sources.cooperation_2014(data_dir), terms)
    documents = as_html(
        [
            *orgs.documents,
            *authorities,
            *organisms.documents,
            *genes.documents,
            *lmo_docs,
            *decisions,
            *focal_points,
            *trials.documents,
            *chm,
        ]
    )
    _source_each(ctx.provenance, focal_points, "bch-nfp", "bch_stubs.json")
    _source_each(ctx.provenance, trials.documents, "ogtr", "ogtr_trials.json")
    _source_each(ctx.provenance, chm, "cbd-coop2014", "cooperation_2014.json")
    report: dict[str, int] = {"authority": len(authorities) + 1}
    for part in (focal_report, trials.report, chm_report):
        report.update(part)
    for part in (org_report, organisms.report, genes.report, detection.report):
        report.update(part)
    report.update(lmo_report)
    report.update({f"lmo_rows_{k}": v for k, v in sorted(corrected.counts.items())})
    report.update(decision_report)
    # per record type, every record of the plan (both realms; Canada's and Australia's decisions)
    report.update(sorted(Counter(d["header"]["schema"] for d in documents).items()))
    report["biosafetyDecision_CA"] = decision_report["biosafetyDecision"]
    # a schema of both realms (organization) is counted per realm as well
    realms = Counter(
        (d["header"]["schema"], (d["header"].get("realm") or "BCH").upper()) for d in documents
    )
    for (schema, realm), n in sorted(realms.items()):
        if any(s == schema and r != realm for s, r in realms):
            report[f"{schema}_{realm}"] = n
    report["terms_unmatched_as_other"] = sum(terms.unmatched.values())
    report["terms_missing_from_vocabulary"] = len(terms.missing)
    report["documents"] = len(documents)
    notes = list(detection.notes)
    notes += [
        f"no thesaurus term, recorded as Other: {t} (x{n})" for t, n in _sorted(terms.unmatched)
    ]
    notes += [f"vocabulary lacks term {m}" for m in sorted(terms.missing)]
    notes += corrected.notes
    retired = [
        ("modifiedOrganism", document("modifiedOrganism", key)["header"]["identifier"], why)
        for key, why in sorted(corrected.retired.items())
    ]
    gene_keys = {gene_key(s) for s in CANONICAL} - {gene_key(s) for s in CANONICAL.values()}
    retired += [
        ("dnaSequence", document("dnaSequence", k)["header"]["identifier"], _VARIANT)
        for k in sorted(gene_keys)
    ]
    report["retired_candidates"] = len(retired)
    _record_sources(documents, ctx.provenance, genes.sources)
    checked = check_plan(documents, ctx.provenance, evidence.by_key)
    report.update({f"check_{k}": v for k, v in sorted(checked.counts().items())})
    reported = build_reported(data_dir)
    report.update(sorted(reported.report.items()))
    return ImportPlan(
        documents, detection.methods, report, notes, ctx.provenance, retired, reported.rows
    )


# The source of every field of the records other than LMOs (one source per record type).
_BY_SCHEMA = {
    "biosafetyDecision": ("cfia", "CFIA / Health Canada approvals (country_approvals.csv)"),
    "organization": ("cfia", "applicant named by the CFIA"),
    "authority": ("import", "Canada's competent authorities (CFIA, Health Canada)"),
    "organism": ("import", "crop names of the LMO sources"),
}


def _source_each(
    provenance: dict[str, dict], documents: list[dict], source: str, record: str
) -> None:
    """Every field of these records comes from one source (a register or a report)."""
    for doc in documents:
        entries = [entry(source, record)]
        fields = {k: entries for k in doc if k != "header"}
        provenance[doc["header"]["identifier"]] = {"key": None, "fields": fields}


def _record_sources(
    documents: list[dict], provenance: dict[str, dict], genes: dict[str, list[str]]
) -> None:
    """A provenance block for each imported record that has none yet (the LMOs have theirs)."""
    for doc in documents:
        ident, schema = doc["header"]["identifier"], doc["header"]["schema"]
        if ident in provenance:
            continue
        if schema == "dnaSequence":
            entries = [entry(s) for s in genes.get(ident, [])] or [entry("isaaa2019")]
        elif schema in _BY_SCHEMA:
            source, record = _BY_SCHEMA[schema]
            entries = [entry(source, record)]
        else:
            continue
        fields = {k: entries for k in doc if k != "header"}
        provenance[ident] = {"key": None, "fields": fields}


_VARIANT = "a variant spelling of one genetic element, merged into its record (issue 16)"


def _registry(data_dir: Path | None) -> list[dict[str, str]]:
    """The 2026 BCH registry rows (none when a data folder lacks the file)."""
    path = (data_dir or sources.default_data_dir()) / "bch_lmo_registry_2026.csv"
    return sources.bch_registry_2026(data_dir) if path.is_file() else []


def _split(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(";") if p.strip()]


def as_html(documents: list[dict]) -> list[dict]:
    """The builders write sentences; rich-text fields hold HTML, so their text is escaped once
    (an "&" in a trait list is stored "&amp;" and read "&")."""
    registry = get_registry()
    return [
        map_rich(
            registry.record_type(d["header"]["schema"], d["header"].get("realm")),
            d,
            from_plain_text,
        )
        for d in documents
    ]


def _sorted(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items())
