"""Genetic elements (``dnaSequence``, GENE) from the ISAAA and OECD BioTrack gene lists (2019).

Both scrapes hold one row per event x trait x gene. ISAAA rows give the genes of one trait, so a
gene's traits are the ISAAA traits of the rows naming it. An LMO's genes are those of the rows whose
UID (any spelling, compared with ``uid_key``) is the LMO's; rows without a UID are matched by event
name when the name designates exactly one LMO.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bch.importer.events import EventIndex, reliable_uid
from bch.importer.gene_symbols import (
    NAMES,
    SILENCING,
    SYNTHETIC,
    biotrack_symbol,
    display_symbol,
    gene_key,
    gene_name,
    split_symbols,
)
from bch.importer.provenance import consistent, term_ids
from bch.importer.shapes import document, lstring, put
from bch.importer.sources import GeneRow
from bch.importer.terms import Terms

SCHEMA = "dnaSequence"
FAMILIES = "GeneticElementFamilies"
TRAITS = "dnaSequenceTraits"
_SOURCE_NAMES = {
    "ISAAA": "ISAAA GM Approval Database (2019 scrape, genes listed per trait)",
    "BioTrack": "OECD BioTrack Product Database (2019 scrape)",
}


@dataclass
class _Gene:
    symbol: str
    spellings: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)
    traits: list[str] = field(default_factory=list)
    lmos: set[str] = field(default_factory=set)


@dataclass
class GeneCatalog:
    documents: list[dict[str, Any]]
    by_lmo: dict[str, list[str]]  # LMO natural key -> gene header identifiers
    report: dict[str, int]
    # LMO key -> genes a source lists under a trait the authoritative traits contradict
    disagreements: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)  # identifier -> source ids


def _row_lmo(row: GeneRow, index: EventIndex, counts: dict[str, int]) -> str | None:
    parsed = reliable_uid(row.code) if row.code.casefold() != "not available" else None
    if parsed is not None and index.has_key(parsed.key):
        counts["gene_rows_matched_by_uid"] += 1
        return parsed.key
    if parsed is not None and (loose := index.resolve_digit(parsed.key)) is not None:
        counts["gene_rows_matched_by_uid_other_check_digit"] += 1
        return loose
    found = index.lookup(row.name) if row.name else None
    if found is not None and parsed is None:
        counts["gene_rows_matched_by_event_name"] += 1
        return found
    counts["gene_rows_unmatched"] += 1
    return None


def _symbols(row: GeneRow, counts: dict[str, int], seen: dict[str, str]) -> list[str]:
    if row.source == "ISAAA":
        symbols = split_symbols(row.gene)
        if row.gene not in seen:
            seen[row.gene] = (
                "unsplit" if symbols is None else "split" if len(symbols) > 1 else "single"
            )
        return [] if symbols is None else [display_symbol(s) for s in symbols]
    symbol, known = biotrack_symbol(row.gene)
    if not known and row.gene.strip() and row.gene not in seen:
        seen[row.gene] = "biotrack_as_given"
    return [display_symbol(symbol)] if symbol else []


def _family(g: _Gene, terms: Terms) -> dict[str, str] | None:
    key = gene_key(g.symbol)
    if key in SILENCING:
        return terms.code(FAMILIES, "rnai")
    return terms.code(FAMILIES, "proteinCoding")


def _info(g: _Gene, lmo_count: int) -> str:
    sources = "; ".join(_SOURCE_NAMES[s] for s in sorted(g.sources))
    spellings = ", ".join(sorted(g.spellings))
    text = f"Source: {sources}. Spelling in the source gene lists: {spellings}."
    if lmo_count:
        text += f" Listed for {lmo_count} LMO record(s) of this import."
    if gene_key(g.symbol) not in NAMES and not g.symbol.startswith("cry"):
        text += " The full name is not given by the sources; the name is the gene symbol."
    return text


def build_genes(
    isaaa: list[GeneRow],
    biotrack: list[GeneRow],
    index: EventIndex,
    terms: Terms,
    authoritative: dict[str, list[str]] | None = None,
) -> GeneCatalog:
    """`authoritative`: LMO key -> its trait term ids in the most authoritative source (the BCH
    registry). An ISAAA row lists the genes of one trait; when that trait contradicts the
    authoritative traits (MON810: "Glyphosate herbicide tolerance", cp4 epsps and goxv247 of the
    transformation plasmid, while the BCH says Lepidoptera only), its genes are not attached to
    the LMO but shown as a disagreement."""
    counts: dict[str, int] = defaultdict(int)
    strings: dict[str, str] = {}
    genes: dict[str, _Gene] = {}
    disagreements: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in [*isaaa, *biotrack]:
        lmo = _row_lmo(row, index, counts)
        # single events only: a stack's gene list is its components' (the BCH often lists fewer
        # traits for a stack than its components carry)
        single = lmo is not None and "+" not in lmo
        if single and authoritative and lmo in authoritative and row.trait:
            ids = term_ids(terms, [row.trait])
            if not all(consistent(terms.th, i, authoritative[lmo]) for i in ids):
                source = "isaaa2019" if row.source == "ISAAA" else "biotrack2019"
                for symbol in _symbols(row, counts, strings):
                    item = {
                        "field": "genes",
                        "source": source,
                        "value": symbol,
                        "trait": row.trait,
                        "contradicts": True,
                    }
                    if item not in disagreements[lmo]:
                        disagreements[lmo].append(item)
                counts["gene_rows_contradicting_authoritative_traits"] += 1
                continue
        for symbol in _symbols(row, counts, strings):
            g = genes.setdefault(gene_key(symbol), _Gene(symbol))
            g.spellings.add(row.gene.strip())
            g.sources.add(row.source)
            if row.source == "ISAAA" and row.trait and row.trait not in g.traits:
                g.traits.append(row.trait)
            if lmo is not None:
                g.lmos.add(lmo)
    documents: list[dict[str, Any]] = []
    by_lmo: dict[str, list[str]] = defaultdict(list)
    gene_sources: dict[str, list[str]] = {}
    for key in sorted(genes):
        g = genes[key]
        doc = document(SCHEMA, key)
        put(doc, "name", lstring(gene_name(g.symbol)))
        put(doc, "abbreviation", g.symbol)
        put(doc, "family", _family(g, terms))
        doc["isSynthetic"] = key in SYNTHETIC
        put(doc, "traits", terms.matches(TRAITS, sorted(g.traits)))
        put(doc, "relevantInformation", lstring(_info(g, len(g.lmos))))
        documents.append(doc)
        gene_sources[doc["header"]["identifier"]] = sorted(
            "isaaa2019" if s == "ISAAA" else "biotrack2019" for s in g.sources
        )
        for lmo in sorted(g.lmos):
            by_lmo[lmo].append(doc["header"]["identifier"])
    kinds = list(strings.values())
    report = {
        "dnaSequence": len(documents),
        "gene_strings_split": kinds.count("split"),
        "gene_strings_unsplit": kinds.count("unsplit"),
        "gene_spellings_biotrack_as_given": kinds.count("biotrack_as_given"),
        **{k: v for k, v in sorted(counts.items())},
    }
    return GeneCatalog(documents, dict(by_lmo), report, dict(disagreements), gene_sources)
