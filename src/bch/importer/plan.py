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

from bch.importer import sources
from bch.importer.authorities import build_authorities
from bch.importer.decisions import build_decisions
from bch.importer.detection import DetectionMethod, build_detection
from bch.importer.events import EventIndex, lmo_rows
from bch.importer.genes import build_genes
from bch.importer.lmos import LmoContext, build_lmos
from bch.importer.organisms import build_organisms
from bch.importer.organizations import build_organizations
from bch.importer.terms import Terms
from bch.records.realms import get_registry
from bch.services.richtext import from_plain_text, map_rich


@dataclass
class ImportPlan:
    documents: list[dict]  # record documents in dependency order (referenced records first)
    detection_methods: list[DetectionMethod]
    report: dict[str, int]  # counts per kind (schema name) and notable skips
    notes: list[str] = field(default_factory=list)  # human-readable details of skips/ambiguities


def build_plan(data_dir: Path | None = None) -> ImportPlan:
    terms = Terms()
    events = sources.lmo_events(data_dir)
    lmos = lmo_rows(events)
    index = EventIndex(lmos)
    isaaa = sources.isaaa_gene_rows(data_dir)
    biotrack = sources.biotrack_gene_rows(data_dir)
    cfia = sources.cfia_records(data_dir)

    orgs, org_report = build_organizations(events, cfia)
    authorities, authority_ids = build_authorities()
    organisms = build_organisms(lmos, [*isaaa, *biotrack], index, terms)
    genes = build_genes(isaaa, biotrack, index, terms)
    detection = build_detection(
        sources.euginius_methods(data_dir), sources.crl_amplicons(data_dir), index, organisms.crops
    )
    ctx = LmoContext(index, orgs, organisms, genes, detection, biotrack)
    lmo_docs, lmo_ids, lmo_report = build_lmos(lmos, ctx, terms)
    decisions, decision_report = build_decisions(
        sources.country_approvals(data_dir), cfia, index, lmo_ids, authority_ids, orgs, terms
    )
    documents = as_html(
        [
            *orgs.documents,
            *authorities,
            *organisms.documents,
            *genes.documents,
            *lmo_docs,
            *decisions,
        ]
    )
    report: dict[str, int] = {"authority": len(authorities)}
    for part in (org_report, organisms.report, genes.report, detection.report):
        report.update(part)
    report.update(lmo_report)
    report.update(decision_report)
    report["terms_unmatched_as_other"] = sum(terms.unmatched.values())
    report["terms_missing_from_vocabulary"] = len(terms.missing)
    report["documents"] = len(documents)
    notes = list(detection.notes)
    notes += [
        f"no thesaurus term, recorded as Other: {t} (x{n})" for t, n in _sorted(terms.unmatched)
    ]
    notes += [f"vocabulary lacks term {m}" for m in sorted(terms.missing)]
    return ImportPlan(documents, detection.methods, report, notes)


def as_html(documents: list[dict]) -> list[dict]:
    """The builders write sentences; rich-text fields hold HTML, so their text is escaped once
    (an "&" in a trait list is stored "&amp;" and read "&")."""
    registry = get_registry()
    return [
        map_rich(registry.record_type(d["header"]["schema"]), d, from_plain_text) for d in documents
    ]


def _sorted(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items())
