"""Organizations, organisms, authorities, decisions and identifiers."""

from __future__ import annotations

import shutil
import uuid

from bch.importer import ids
from bch.importer.authorities import build_authorities
from bch.importer.decisions import build_decisions
from bch.importer.events import EventIndex, lmo_rows
from bch.importer.organisms import parse_name, sci_key
from bch.importer.organizations import OrganizationSet, split_developers
from bch.importer.plan import build_plan
from bch.importer.sources import default_data_dir
from bch.importer.terms import Terms


def test_record_id_is_uuid5_of_kind_and_key():
    value = ids.record_id("modifiedOrganism", "MON-00810-6")
    assert value == str(uuid.uuid5(ids.NAMESPACE, "modifiedOrganism:MON-00810-6"))
    assert value != ids.record_id("organism", "MON-00810-6")


def test_split_developers():
    assert split_developers("Monsanto Canada Inc. and KWS SAAT AG") == [
        "Monsanto Canada Inc.",
        "KWS SAAT AG",
    ]
    assert split_developers(
        "Ciba-Geigy Corporation, Ciba Seeds (currently Syngenta Seeds) and Mycogen Corporation"
    ) == ["Ciba-Geigy Corporation, Ciba Seeds (currently Syngenta Seeds)", "Mycogen Corporation"]
    assert split_developers("AgrEvo Canada Inc. (currently Bayer CropScience)") == [
        "AgrEvo Canada Inc. (currently Bayer CropScience)"
    ]
    assert split_developers("") == []


def test_scientific_names():
    assert sci_key("Zea mays L.") == sci_key("Zea mays") == "Zea mays"
    assert sci_key("Malus x Domestica") == "Malus domestica"
    assert parse_name("Malus x Domestica") == ("Malus", "domestica", True)
    assert sci_key("Saccharum sp") == sci_key("Populus sp.").replace("Populus", "Saccharum")
    assert sci_key("") is None


def test_organism_records(plan_documents):
    organisms = {
        d["scientificName"]: d for d in plan_documents if d["header"]["schema"] == "organism"
    }
    assert "Malus × domestica" in organisms and "Zea mays L." not in organisms
    maize = organisms["Zea mays"]
    assert maize["commonNames"]["en"].startswith("Maize")
    assert (maize["genus"], maize["species"], maize["kingdom"]) == ("Zea", "mays", "Plantae")
    assert maize["organismType"] == {"identifier": "TypeOfOrganisms.plants"}


def test_authorities():
    docs, found = build_authorities()
    assert set(found) == {"CFIA", "HC"}
    assert all(d["government"] == {"identifier": "CA"} for d in docs)
    assert build_authorities() == (docs, found)


def test_decision_with_only_a_year(plan_documents):
    """Synthetic input (not real data): a row without a date but with a year."""
    lmos = lmo_rows([{"unique_identifier": "MON-ØØ81Ø-6", "event_name": "MON810"}])
    index = EventIndex(lmos)
    lmo_ids = {"MON-00810-6": ids.record_id("modifiedOrganism", "MON-00810-6")}
    _, authority_ids = build_authorities()
    rows = [
        {"event_name": "MON810", "country": "CA", "approval_type": "food", "year": "1997",
         "date": "", "reference": "", "detail": "Health Canada food safety approval: Yes",
         "event_uid": "MON-ØØ81Ø-6", "unique_identifier": "MON-00810-6"},
        {"event_name": "MON810", "country": "CA", "approval_type": "feed", "year": "",
         "date": "", "reference": "", "detail": "", "event_uid": "MON-ØØ81Ø-6"},
    ]  # fmt: skip
    docs, report = build_decisions(
        rows, [], index, lmo_ids, authority_ids, OrganizationSet([], {}), Terms()
    )
    assert report["decision_rows_year_only"] == 1
    assert report["decision_rows_skipped_no_date"] == 1
    (doc,) = docs
    assert doc["date"] == "1997-01-01"
    assert "Only the year is known" in doc["relevantInformation"]["en"]
    assert doc["authorities"] == [{"identifier": authority_ids["HC"]}]
    assert doc["modifiedOrganisms"] == [{"identifier": lmo_ids["MON-00810-6"]}]


def test_data_dir_is_a_parameter(tmp_path):
    """A copy of the data folder with only the first 40 LMO rows gives a 40-LMO plan."""
    data = tmp_path / "data"
    shutil.copytree(default_data_dir(), data)
    lines = (data / "lmo_events.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (data / "lmo_events.csv").write_text("".join(lines[:41]), encoding="utf-8")
    registry = (data / "bch_lmo_registry_2026.csv").read_text(encoding="utf-8").splitlines(True)
    (data / "bch_lmo_registry_2026.csv").write_text(registry[0], encoding="utf-8")
    plan = build_plan(data)
    assert plan.report["modifiedOrganism"] == 40
    lmos = [d for d in plan.documents if d["header"]["schema"] == "modifiedOrganism"]
    assert len(lmos) == 40
