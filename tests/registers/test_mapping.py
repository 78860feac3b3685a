"""Mapping files and register files without a database: the mapping's own errors name their
TOML path, CSV/XLSX/JSON rows carry the numbers a person finds them by, and each row problem
names its row, source column, record field path and the expected form."""

from __future__ import annotations

import io

import pytest
import xlsxwriter

from bch.records.realms import get_registry
from bch.records.thesaurus import get_thesaurus
from bch.registers.build import RowBuilder, render
from bch.registers.mapping import MappingError, load_mapping, shipped_mappings
from bch.registers.reader import RegisterFileError, read_rows

MAPPING = """
[register]
id = "xx-test"
title = "A test register"
country = "CA"
schema = "biosafetyDecision"
source = "made up for this test"
key = "CA:test:{ref}"

[skip]
kind = ["withdrawn"]

[fields.title]
template = "[{ref}: ]{name}"
[fields.date]
column = "when"
date_format = "%d/%m/%Y"
[fields.isAmendment]
column = "amended"
[fields.decisionResult]
column = "result"
values = { "Yes" = "approval", "No" = "prohibition" }

[constants]
government = "CA"
"""


def _builder(text: str = MAPPING) -> tuple:
    m = load_mapping(text)
    rt = get_registry().record_type(m.schema)
    return m, RowBuilder(m, rt, get_thesaurus(), lambda kind, values: {})


def test_shipped_mappings_load():
    assert "ca_cfia" in shipped_mappings()
    m = load_mapping("ca_cfia")
    assert m.country == "CA" and m.schema == "biosafetyDecision" and m.records == "projects"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (('country = "CA"', 'country = "Canada"'), "register.country"),
        (('column = "when"', 'colum = "when"'), "fields.date.colum"),
        (("[constants]", '[constants]\ntitle = "x"'), "constants.title"),
        (("values = {", "pattern = '(x'\nvalues = {"), "fields.decisionResult.pattern"),
    ],
)
def test_mapping_errors_name_their_path(change, path):
    with pytest.raises(MappingError) as err:
        load_mapping(MAPPING.replace(*change))
    assert err.value.path == path


def test_unknown_field_and_constant_term_are_mapping_errors():
    with pytest.raises(MappingError) as err:
        _builder(MAPPING.replace("[fields.date]", "[fields.dat]"))[1].check()
    assert err.value.path == "fields.dat"
    with pytest.raises(MappingError) as err:
        _builder(MAPPING.replace('government = "CA"', 'government = "Atlantis"'))
    assert err.value.path == "constants.government"


def test_optional_template_segments():
    assert render("[{ref}: ]{name}", {"ref": "DD1", "name": "x"}) == "DD1: x"
    assert render("[{ref}: ]{name}", {"ref": "", "name": "x"}) == "x"


def _xlsx(rows: list[list]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("register")
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.write(r, c, value)
    book.close()
    return out.getvalue()


HEADER = ["ref", "name", "when", "amended", "result", "kind"]
ROWS = [
    ["DD1", "Maize MON810", "22/01/1997", "no", "Yes", "approval"],
    ["", "Canola", "1997-02-18", "perhaps", "Maybe", "approval"],
    ["DD3", "Old", "01/01/2000", "no", "Yes", "withdrawn"],
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_rows_and_problems_in_each_format(fmt):
    m, builder = _builder()
    if fmt == "csv":
        data = "\n".join(";".join(r) for r in [HEADER, *ROWS]).encode()  # semicolons
    elif fmt == "xlsx":
        data = _xlsx([HEADER, *ROWS])
    else:
        import json

        data = json.dumps([dict(zip(HEADER, r, strict=True)) for r in ROWS]).encode()
    _, rows = read_rows(m, f"register.{fmt}", data)
    first = 2 if fmt in ("csv", "xlsx") else 1  # the header is row 1 of a sheet or CSV file
    assert [r.number for r in rows] == [first, first + 1, first + 2]
    good, bad, skipped = (builder.build(r) for r in rows)
    assert not good.problems and good.key == "CA:test:DD1"
    assert good.fields["title"] == {"en": "DD1: Maize MON810"}
    assert good.fields["date"] == "1997-01-22" and good.fields["isAmendment"] is False
    assert good.fields["decisionResult"] == {"identifier": "DecisionResults.approval"}
    assert skipped.skipped
    found = {(p.row, p.column, p.path): p.message for p in bad.problems}
    assert "expected a date as %d/%m/%Y" in found[(first + 1, "when", "date")]
    assert "expected yes/no" in found[(first + 1, "amended", "isAmendment")]
    assert "expected a term of DecisionResults" in found[(first + 1, "result", "decisionResult")]
    assert bad.fields["title"] == {"en": "Canola"}  # the empty reference's segment left out


def test_missing_columns_and_unreadable_files():
    m, _ = _builder()
    with pytest.raises(MappingError) as err:
        read_rows(m, "r.csv", b"ref,name\nDD1,x\n")
    assert err.value.path == "columns" and "'when'" in err.value.message
    with pytest.raises(RegisterFileError):
        read_rows(m, "r.xlsx", b"not a workbook")
    with pytest.raises(RegisterFileError):
        read_rows(m, "r.pdf", b"%PDF")
