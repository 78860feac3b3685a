"""Bulk dumps: stamped with the change sequence, complete, a consistent snapshot; NDJSON, gzip,
CSV and XLSX parse."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from tests import factories


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


def test_ndjson_dump_is_stamped_and_complete(client, loaded):
    r = client.get("/api/v1/export/modifiedOrganism.ndjson")
    assert r.status_code == 200
    lines = [json.loads(line) for line in r.text.splitlines()]
    meta = lines[0]["_meta"]
    assert meta["sequence"] == int(r.headers["x-change-sequence"]) == loaded.changes.last_sequence()
    records = lines[1:]
    assert len(records) == meta["records"] == 1055
    assert len({x["id"] for x in records}) == 1055
    mon810 = [x for x in records if x["document"].get("transformationEvent") == "MON810"]
    assert mon810 and mon810[0]["document"]["uniqueIdentification"] == "MON-ØØ81Ø-6"
    # the stamp is a valid `since`: the feed continues from there
    assert client.get(f"/api/v1/changes?since={meta['sequence']}").json()["items"] == []


def test_gzip_dump_has_the_same_content(client):
    plain = client.get("/api/v1/export/organism.ndjson").content
    packed = client.get("/api/v1/export/organism.ndjson.gz")
    assert packed.headers["content-type"] == "application/gzip"
    unpacked = gzip.decompress(packed.content)
    # same records (the _meta line carries its own timestamp)
    assert unpacked.splitlines()[1:] == plain.splitlines()[1:]


def test_csv_and_xlsx_of_a_registry_parse(client):
    r = client.get("/api/v1/export/modifiedOrganism.csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 1055
    row = next(x for x in rows if x["transformationEvent"] == "MON810")
    assert row["uniqueIdentification"] == "MON-ØØ81Ø-6" and row["id"].startswith("BCH-LMO-")
    r = client.get("/api/v1/export/modifiedOrganism.xlsx")
    assert r.status_code == 200 and r.headers["x-change-sequence"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    assert len(sheet.findall(f".//{ns}row")) == 1056  # header + the 1,055 LMO records (issue 16)


def test_unknown_dumps_are_404(client):
    assert client.get("/api/v1/export/nope.ndjson").status_code == 404
    assert client.get("/api/v1/export/biosafetyDecision.xlsx").status_code == 404
    assert client.get("/api/v1/export/organism.pdf").status_code == 404
    listed = client.get("/api/v1/export").json()["items"]
    assert any(e["schema"] == "modifiedOrganism" and "xlsx" in e["formats"] for e in listed)


def test_a_dump_is_a_snapshot_taken_when_it_starts(services):
    services.records.publish_many([factories.organism("Zea mays") for _ in range(3)], by="t")
    dump = services.exports.open("organism.ndjson")
    late = factories.organism("Oryza sativa")
    services.records.publish(late, by="t")  # committed while the dump is being read
    lines = b"".join(dump.chunks).splitlines()
    assert json.loads(lines[0])["_meta"]["sequence"] == dump.sequence == 3
    identifiers = {json.loads(x)["identifier"] for x in lines[1:]}
    assert len(identifiers) == 3 and late["header"]["identifier"] not in identifiers
    # the feed from the stamp brings exactly what the dump missed
    page = services.changes.page(str(dump.sequence))
    assert [i["identifier"] for i in page.items] == [late["header"]["identifier"]]
