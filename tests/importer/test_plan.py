"""build_plan on the shipped real data: counts, references, dependency order, idempotence."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from bch.importer.plan import ImportPlan, build_plan
from bch.importer.sources import default_data_dir
from bch.records.identifiers import is_header_identifier
from bch.records.realms import get_registry


@pytest.fixture(scope="module")
def by_id(plan: ImportPlan) -> dict[str, dict[str, Any]]:
    return {d["header"]["identifier"]: d for d in plan.documents}


def of_schema(plan: ImportPlan, schema: str) -> list[dict[str, Any]]:
    return [d for d in plan.documents if d["header"]["schema"] == schema]


def reference_targets(doc: dict[str, Any]) -> list[str]:
    """Identifiers in the document's reference fields, per the record type definition."""
    rt = get_registry().record_type(doc["header"]["schema"], doc["header"].get("realm", "BCH"))
    out = []
    for name, fdef in rt.fields.items():
        if fdef.type != "reference" or name not in doc:
            continue
        values = doc[name] if fdef.many else [doc[name]]
        out += [v["identifier"] for v in values]
    return out


def test_default_data_dir_is_the_repository_data_folder():
    assert (default_data_dir() / "lmo_events.csv").is_file()


def test_every_lmo_row_becomes_one_document(plan):
    # lmo_events.csv: 583 rows, 577 events once duplicates are merged (issue 16: Bt brinjal EE1,
    # the CFIA "(B. rapa) ZSR500, ZSR502, ZSR503" row, 4 stacks whose UID is rebuilt from their
    # components), plus the 478 LMOs only the BCH registry 2026 lists (927 records, 2 repeated
    # UIDs, 447 already in lmo_events.csv, one of them under a malformed stack UID): 1,055
    lmos = of_schema(plan, "modifiedOrganism")
    assert len(lmos) == 1055 == plan.report["modifiedOrganism"]
    assert len({d["header"]["identifier"] for d in lmos}) == 1055
    assert plan.report["lmo_rows_bch_registry_records"] == 927


def test_header_identifiers_are_unique_and_well_formed(plan):
    ids = [d["header"]["identifier"] for d in plan.documents]
    assert len(ids) == len(set(ids)) == plan.report["documents"] > 1_000
    assert all(is_header_identifier(i) for i in ids)


def test_report_counts_every_kind(plan):
    counts = Counter(d["header"]["schema"] for d in plan.documents)
    for schema, n in counts.items():
        assert plan.report[schema] == n
    assert counts["authority"] == 3  # CFIA, Health Canada, the OGTR (issue 16 item 4)
    assert plan.report["biosafetyDecision_CA"] == 302 and counts["biosafetyDecision"] == 314
    assert counts["organization"] > 20
    assert counts["organism"] > 20
    assert counts["dnaSequence"] > 100
    assert plan.report["gene_strings_unsplit"] == 0


def test_mon810(plan, by_id):
    (mon810,) = [
        d for d in of_schema(plan, "modifiedOrganism") if d.get("transformationEvent") == "MON810"
    ]
    assert mon810["uniqueIdentification"] == "MON-ØØ81Ø-6"
    assert mon810["hasUniqueIdentification"] is True
    assert "YieldGard" in mon810["identity"]["en"]
    (organism,) = [by_id[r["identifier"]] for r in mon810["recipientOrganisms"]]
    assert organism["scientificName"] == "Zea mays"
    assert organism["kingdom"] == "Plantae"
    symbols = {by_id[g["identifier"]]["abbreviation"] for g in mon810["genes"]}
    assert "cry1Ab" in symbols
    urls = [link["url"] for link in mon810["detectionMethodLinks"]]
    assert any(u.endswith("method=QT-EVE-ZM-020") for u in urls)
    assert "MON810" in mon810["description"]["en"]
    isaaa = [d for d in mon810["relevantDocuments"] if "isaaa.org" in d["url"]]
    assert isaaa and isaaa[0]["url"].endswith("EventID=85")


def test_references_point_to_earlier_documents(plan):
    position = {d["header"]["identifier"]: i for i, d in enumerate(plan.documents)}
    checked = 0
    for i, doc in enumerate(plan.documents):
        for target in reference_targets(doc):
            assert target in position, (doc["header"], target)
            assert position[target] < i, (doc["header"], target)
            checked += 1
    assert checked > 1000


def test_building_twice_gives_identical_output(plan):
    again = build_plan(default_data_dir())

    def dump(p: ImportPlan) -> str:
        return json.dumps(p.documents, ensure_ascii=False)

    assert dump(again) == dump(plan)
    assert again.report == plan.report
    assert again.detection_methods == plan.detection_methods


def test_canadian_decisions_reference_lmos_and_authorities(plan, by_id):
    decisions = [
        d for d in of_schema(plan, "biosafetyDecision") if d["government"] == {"identifier": "CA"}
    ]
    assert len(decisions) == plan.report["biosafetyDecision_CA"] > 250
    for dec in decisions:
        lmos = [by_id[r["identifier"]] for r in dec["modifiedOrganisms"]]
        authorities = [by_id[r["identifier"]] for r in dec["authorities"]]
        assert lmos and all(d["header"]["schema"] == "modifiedOrganism" for d in lmos)
        assert authorities and all(d["header"]["schema"] == "authority" for d in authorities)
    assert plan.report["decision_rows_skipped_no_date"] == 1


def test_decision_title_uses_the_cfia_record(plan):
    titles = {d["title"]["en"] for d in of_schema(plan, "biosafetyDecision")}
    assert "DD2005-53: Unconfined environmental release of Alfalfa events J101 and J163" in titles


def test_one_decision_per_cfia_act_lists_all_its_lmos(plan, by_id):
    (dd9504,) = [
        d for d in of_schema(plan, "biosafetyDecision") if d["title"]["en"].startswith("DD95-04")
    ]
    uids = {by_id[r["identifier"]].get("uniqueIdentification") for r in dd9504["modifiedOrganisms"]}
    assert uids == {"ACS-BNØØ1-4", "ACS-BNØØ2-5", "ACS-BNØØ4-7"}


def test_stack_links_its_components(plan, by_id):
    stacks = [d for d in of_schema(plan, "modifiedOrganism") if "linkedModifiedOrganisms" in d]
    assert len(stacks) > 200
    for stack in stacks:
        parts = set(stack.get("uniqueIdentification", "").split(" × "))
        for r in stack["linkedModifiedOrganisms"]:
            component = by_id[r["identifier"]]
            assert component["header"]["schema"] == "modifiedOrganism"
            if "uniqueIdentification" in stack and "uniqueIdentification" in component:
                # same UID, or (reported) the same UID with another verification digit
                assert component["uniqueIdentification"][:-1] in {p[:-1] for p in parts}
    (stack,) = [d for d in stacks if d.get("uniqueIdentification") == "MON-89Ø34-3 × MON-88Ø17-3"]
    linked = {
        by_id[r["identifier"]]["uniqueIdentification"] for r in stack["linkedModifiedOrganisms"]
    }
    assert linked == {"MON-89Ø34-3", "MON-88Ø17-3"}


def test_documents_only_use_field_names(plan):
    registry = get_registry()
    assert len(plan.documents) > 1_000
    for doc in plan.documents:
        realm = doc["header"].get("realm", "BCH")  # CHM records name their realm (issue 16)
        rt = registry.record_type(doc["header"]["schema"], realm)
        stray = set(doc) - set(rt.fields) - {"header"}
        assert not stray, (doc["header"], stray)
        assert set(doc["header"]) == {"identifier", "schema", "languages"} | (
            {"realm"} if realm != "BCH" else set()
        )
        assert all(v not in (None, "", [], {}) for v in doc.values())


def test_documents_validate_without_errors(plan):
    validation = pytest.importorskip("bch.records.validation")
    thesaurus = pytest.importorskip("bch.records.thesaurus")
    schemas = {d["header"]["identifier"]: d["header"]["schema"] for d in plan.documents}
    assert len(schemas) > 1_000
    validator = validation.Validator(
        get_registry(), thesaurus.get_thesaurus(), lambda ids: {i: schemas.get(i) for i in ids}
    )
    for doc in plan.documents:
        result = validator.validate(doc, strict=False)  # the realm its header names
        assert result.ok, (doc["header"], [e.as_dict() for e in result.errors])


def test_authorities_are_bilingual(plan):
    canadian = [d for d in of_schema(plan, "authority") if d["government"]["identifier"] == "CA"]
    assert len(canadian) == 2
    for cna in canadian:
        assert cna["header"]["languages"] == ["en", "fr"]
        assert set(cna["name"]) == {"en", "fr"}
    names = {d["name"]["fr"] for d in canadian}
    assert names == {"Agence canadienne d'inspection des aliments", "Santé Canada"}


def test_detection_methods_are_all_read(plan):
    sources = Counter(m.source for m in plan.detection_methods)
    assert sources == {"EUginius": 288, "EURL-GMFF": 85}
    assert plan.report["detection_event_specific_linked"] > 100


def test_output_does_not_depend_on_hash_seed(plan):
    """Set iteration order changes with PYTHONHASHSEED; the plan must not. The plan built in this
    process (its own seed) equals one built under another seed."""
    import hashlib
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import hashlib, json; from bch.importer.plan import build_plan; p = build_plan(); "
        "print(hashlib.sha256(json.dumps([p.documents, p.report], ensure_ascii=False)"
        ".encode()).hexdigest())"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    other = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONHASHSEED": seed, "PYTHONPATH": src},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    here = json.dumps([plan.documents, plan.report], ensure_ascii=False)
    assert len(other) == 64 and other == hashlib.sha256(here.encode()).hexdigest()
