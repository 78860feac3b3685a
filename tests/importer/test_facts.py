"""Facts about the shipped data that must stay true (issue 16), each written from a source.

Sources: the BCH LMO registry 2026 (data/bch_lmo_registry_2026.csv), the ISAAA and OECD BioTrack
scrapes (data/raw/ebi_hackathon_2019_isaaa_biotrack_bch/), the CFIA register
(data/raw/cfia_pnt_and_bch_decisions_gmo_map/cfia_records.json). A test fails when the data the
importer builds contradicts one of them.
"""

from __future__ import annotations

import csv
from collections import Counter
from typing import Any

import pytest

from bch.importer import sources
from bch.importer.check import check_plan
from bch.importer.events import is_written_uid, norm_name
from bch.importer.provenance import TraitEvidence
from bch.records.oecd_uid import parse_uid, try_parse_uid

LMO = "modifiedOrganism"


@pytest.fixture(scope="module")
def lmos(plan) -> dict[str, dict[str, Any]]:
    """UID key -> LMO document."""
    out = {}
    for d in plan.documents:
        if d["header"]["schema"] == LMO and d.get("uniqueIdentification"):
            out[parse_uid(d["uniqueIdentification"]).key] = d
    return out


@pytest.fixture(scope="module")
def genes(plan) -> dict[str, str]:
    """gene header identifier -> abbreviation."""
    return {
        d["header"]["identifier"]: d["abbreviation"]
        for d in plan.documents
        if d["header"]["schema"] == "dnaSequence"
    }


def _lmo(lmos, uid: str) -> dict[str, Any]:
    return lmos[parse_uid(uid).key]


def _traits(doc) -> set[str]:
    return {t["identifier"] for t in doc.get("traits", [])}


def _genes(doc, genes) -> set[str]:
    return {genes[g["identifier"]] for g in doc.get("genes", [])}


def test_mon810_is_cry1ab_insect_resistance_only(lmos, genes, plan):
    # BCH registry 2026: "MON-ØØ81Ø-6 - YieldGard™ maize", traits Lepidoptera, European corn borer
    mon810 = _lmo(lmos, "MON-ØØ81Ø-6")
    assert "dnaSequenceTraits.lepidoptera" in _traits(mon810)
    assert not _traits(mon810) & {
        "dnaSequenceTraits.glyphosate",
        "dnaSequenceTraits.antibiotics",
        "dnaSequenceTraits.kanamycin",
    }
    assert _genes(mon810, genes) == {"cry1Ab"}
    # ISAAA 2019 lists glyphosate tolerance (cp4 epsps, goxv247) and nptII: shown, not merged
    shown = {d["value"] for d in plan.provenance[mon810["header"]["identifier"]]["disagreements"]}
    assert {"Glyphosate herbicide tolerance", "cp4 epsps", "goxv247", "nptII"} <= shown


def test_nk603_x_mon810_agrees_with_its_components(lmos, genes):
    # ISAAA 2019: NK603 x MON810 carries cp4 epsps (NK603) and cry1Ab (MON810)
    stack = _lmo(lmos, "MON-ØØ6Ø3-6 x MON-ØØ81Ø-6")
    assert _genes(_lmo(lmos, "MON-ØØ81Ø-6"), genes) <= _genes(stack, genes)


@pytest.mark.parametrize("uid", ["ACS-BNØØ1-4", "ACS-BNØØ2-5", "ACS-BNØØ3-6"])
def test_rf_lines_restore_fertility_and_are_not_male_sterile(lmos, uid):
    # BCH registry 2026: RF1, RF2, RF3 "Reproduction" (no male sterility); ISAAA 2019: barstar,
    # "Fertility restoration"
    traits = _traits(_lmo(lmos, uid))
    assert "dnaSequenceTraits.maleSterility" not in traits
    assert "dnaSequenceTraits.reproduction" in traits


@pytest.mark.parametrize("uid", ["ACS-BNØØ4-7", "ACS-BNØØ5-8"])
def test_ms_lines_are_male_sterile_and_do_not_restore_fertility(lmos, uid):
    # BCH registry 2026: MS1 and MS8 "Male sterility"
    traits = _traits(_lmo(lmos, uid))
    assert "dnaSequenceTraits.maleSterility" in traits
    assert "dnaSequenceTraits.fertilityRestoration" not in traits


def test_one_record_per_event(plan):
    lmo_docs = [d for d in plan.documents if d["header"]["schema"] == LMO]
    keys = Counter(
        parse_uid(d["uniqueIdentification"]).key for d in lmo_docs if "uniqueIdentification" in d
    )
    assert [k for k, n in keys.items() if n > 1] == []
    events = Counter(norm_name(d.get("transformationEvent", "")) for d in lmo_docs)
    # ISAAA 2019 "Bt Brinjal Event EE1" and ISAAA 2023 "Event EE1" are one event
    assert events[norm_name("Bt Brinjal Event EE1")] + events[norm_name("Event EE1")] == 1
    # CFIA "(B. rapa) ZSR500, ZSR502, ZSR503" is the three ISAAA events, not a fourth record
    names = [d.get("transformationEvent", "") for d in lmo_docs]
    assert [n for n in names if "ZSR" in n] == ["ZSR500", "ZSR502", "ZSR503"] or sorted(
        n for n in names if "ZSR" in n
    ) == ["ZSR500", "ZSR502", "ZSR503"]


def test_mir604_is_syn_ir604_5_in_every_stack(plan):
    # BCH registry 2026 and ISAAA: MIR604 is SYN-IR6Ø4-5 (never -4)
    for d in plan.documents:
        uid = d.get("uniqueIdentification", "") if d["header"]["schema"] == LMO else ""
        assert "SYN-IR6Ø4-4" not in uid
    assert "DP-004114-3+MON-00603-6+MON-00810-6+SYN-IR604-5" in {
        parse_uid(d["uniqueIdentification"]).key
        for d in plan.documents
        if d["header"]["schema"] == LMO and "uniqueIdentification" in d
    }


@pytest.mark.parametrize(
    "uid",
    [
        "MON-ØØ531-6 x MON-Ø1445-2",  # MON531 x MON1445 (ISAAA 2019 writes MON-Ø531-6)
        # BCH registry 2026 writes "MON-Ø531-6 X MON-Ø1445-2 X ACS-GHØØ1-3"
        "MON-ØØ531-6 x MON-Ø1445-2 x ACS-GHØØ1-3",
        "MON-87751-7 x MON-877Ø1-2 x MON-877Ø8-9 x MON-89788-1",
    ],
)
def test_stacks_keep_their_uid(lmos, uid):
    assert parse_uid(uid).key in lmos


def test_no_uid_in_the_transformation_event_field(plan):
    for d in plan.documents:
        if d["header"]["schema"] == LMO and d.get("transformationEvent"):
            event = d["transformationEvent"]
            assert not is_written_uid(event), event


def test_one_genetic_element_per_gene(plan):
    # ISAAA writes cry1Fa2, BioTrack cry1F for TC1507: one element; vip3A variants likewise
    symbols = {d["abbreviation"] for d in plan.documents if d["header"]["schema"] == "dnaSequence"}
    assert "cry1F" in symbols and "cry1Fa2" not in symbols
    assert not symbols & {"vip3Aa20", "vip3A(a)", "cry3Aa2", "mcry3Aa2"}


def test_hb4_soybean_traits_come_from_the_bch(lmos, plan):
    # BCH registry 2026: IND-ØØ41Ø-5 Drought; Salinity; Selectable marker genes. No source gives
    # it a bar gene, so the glufosinate trait of the 2019 scrape is a flagged disagreement.
    hb4 = _lmo(lmos, "IND-ØØ41Ø-5")
    assert "dnaSequenceTraits.glufosinate" not in _traits(hb4)
    block = plan.provenance[hb4["header"]["identifier"]]
    assert any("Glufosinate" in d["value"] for d in block["disagreements"])


def test_unreliable_2019_traits_are_flagged(plan):
    flagged = [
        b for b in plan.provenance.values() if "traits-unreliable-2019" in b.get("flags", [])
    ]
    assert flagged
    for block in flagged:
        assert any(e.get("unreliable") for e in block["fields"]["traits"])


def test_registry_holds_every_lmo_of_the_2026_bch_list(plan):
    keys = {b["key"] for b in plan.provenance.values()}
    path = sources.default_data_dir() / "bch_lmo_registry_2026.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 927
    bch_records = {
        e.get("record")
        for b in plan.provenance.values()
        for entries in b["fields"].values()
        for e in entries
        if e["source"] == "bch2026"
    }
    for row in rows:  # by UID; a UID the BCH writes malformed, by its BCH id (then repaired)
        parsed = try_parse_uid(row["uid"]) if row["uid"] else None
        key = parsed.key if parsed is not None else f"bch:{row['bch_id']}"
        assert key in keys or row["bch_id"] in bch_records, row["bch_id"]


def test_every_value_has_a_source(plan):
    for ident, block in plan.provenance.items():
        for name, entries in block["fields"].items():
            assert entries, (ident, name)
            assert all(e["source"] for e in entries)


def test_the_data_check_finds_no_contradiction_duplicate_or_lost_stack_uid(plan):
    evidence = TraitEvidence.build(
        sources.isaaa_gene_rows(), sources.biotrack_gene_rows(), sources.cfia_records()
    )
    result = check_plan(plan.documents, plan.provenance, evidence.by_key)
    assert result.count("contradiction_not_shown") == 0
    assert result.count("duplicate") == 0
    assert result.count("stack_uid_lost") == 0


def test_the_data_check_fails_on_a_contradiction(plan):
    """The check is not vacuous: drop MON810's disagreements and it reports them."""
    evidence = TraitEvidence.build(
        sources.isaaa_gene_rows(), sources.biotrack_gene_rows(), sources.cfia_records()
    )
    provenance = {k: dict(v) for k, v in plan.provenance.items()}
    mon810 = next(k for k, v in provenance.items() if v["key"] == "MON-00810-6")
    provenance[mon810].pop("disagreements")
    result = check_plan(plan.documents, provenance, evidence.by_key)
    assert result.count("contradiction_not_shown") >= 2
    documents = [
        *plan.documents,
        next(d for d in plan.documents if d["header"]["identifier"] == mon810),
    ]
    assert check_plan(documents, plan.provenance, evidence.by_key).count("duplicate") == 1


def test_bch_data_check_command_reports_and_passes_on_the_shipped_data():
    from typer.testing import CliRunner

    from bch.cli import app

    out = CliRunner().invoke(app, ["data", "check", "--details", "1"])
    assert out.exit_code == 0, out.output
    assert "Import report" in out.output and "bch_registry_records: 927" in out.output
    assert "contradiction_not_shown: 0" in out.output
    assert "duplicate: 0" in out.output and "stack_uid_lost: 0" in out.output
    assert "isaaa_raw_dropped_truncated_or_malformed_uid" in out.output
