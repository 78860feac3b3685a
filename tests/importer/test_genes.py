"""Gene symbols of the ISAAA / BioTrack scrapes: splitting run-together strings, names, records."""

from __future__ import annotations

import pytest

from bch.importer import sources
from bch.importer.gene_symbols import (
    biotrack_symbol,
    display_symbol,
    gene_key,
    gene_name,
    split_symbols,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cry34Ab1cry35Ab1", ["cry34Ab1", "cry35Ab1"]),
        ("cp4 epsps (aroA:CP4)goxv247", ["cp4 epsps (aroA:CP4)", "goxv247"]),
        ("aadnptII", ["aad", "nptII"]),
        ("cry1Acry2Aevip3Aa20", ["cry1A", "cry2Ae", "vip3Aa20"]),  # not cry1Ac + ...
        ("cry1Accry1F", ["cry1Ac", "cry1F"]),
        ("patpat (syn)", ["pat", "pat (syn)"]),
        ("bp40 (f3'5'h)dfrdfr-diaca", ["bp40 (f3'5'h)", "dfr", "dfr-diaca"]),
        ("ecry3.1Abecry3.1Ab", ["ecry3.1Ab"]),
        ("pat", ["pat"]),
        ("", []),
    ],
)
def test_split_symbols(text, expected):
    assert split_symbols(text) == expected


def test_unknown_strings_are_not_split():
    assert split_symbols("xyzunknown") is None
    assert split_symbols("patxyz") is None


def test_every_isaaa_gene_string_splits():
    rows = sources.isaaa_gene_rows()
    assert len(rows) == 1382
    assert [r.gene for r in rows if split_symbols(r.gene) is None] == []


def test_biotrack_spellings():
    assert biotrack_symbol("neomycin phosphotransferase II (npt II)") == ("nptII", True)
    assert biotrack_symbol("phosphinothricin acetyltransferase (pat) ") == ("pat", True)
    assert biotrack_symbol("flavonoid 3'") == (None, True)  # fragment cut at a comma
    assert biotrack_symbol("cry1F") == ("cry1F", False)
    assert len(sources.biotrack_gene_rows()) == 1347


def test_keys_and_names():
    assert gene_key("npt II") == gene_key("nptII")
    assert gene_key(display_symbol("cp4 epsps (aroA:CP4)")) == gene_key("cp4 epsps")
    assert gene_name("pat") == gene_name("bar") == "phosphinothricin N-acetyltransferase"
    assert gene_name("cry1Ab") == "Cry1Ab insecticidal crystal protein"
    assert gene_name("athb17") == "athb17"  # no invented names


def test_gene_records(plan_documents):
    genes = {d["abbreviation"]: d for d in plan_documents if d["header"]["schema"] == "dnaSequence"}
    assert genes["nptII"]["name"] == {"en": "neomycin phosphotransferase II"}
    assert "neomycin phosphotransferase II (npt II)" in genes["nptII"]["relevantInformation"]["en"]
    assert genes["cp4 epsps"]["isSynthetic"] is False
    assert genes["pat (syn)"]["isSynthetic"] is True
    assert genes["pat"]["family"] == {"identifier": "GeneticElementFamilies.proteinCoding"}
    assert genes["dvsnf7"]["family"] == {"identifier": "GeneticElementFamilies.rnai"}
    assert {"identifier": "dnaSequenceTraits.glufosinate"} in genes["pat"]["traits"]
    assert "Hph" not in genes  # BioTrack's Hph is ISAAA's hph
