"""GET /api/v1/records/{id}/provenance: which source gave each field of an imported record, for
every record type an import makes (organisms, genetic elements, decisions, ...), as the LMO API
gives it for LMOs; empty for a record published by a person; both backends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from tests import factories


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


def _first(client, schema: str, fq: str | None = None) -> str:
    params = {
        "q": f"schema_s:{schema}",
        "fl": "identifier_s",
        "rows": 1,
        "sort": "identifier_s asc",
    }
    if fq:
        params["fq"] = fq
    docs = client.get("/api/v2013/index/select", params=params).json()["response"]["docs"]
    return docs[0]["identifier_s"]


@pytest.mark.parametrize(
    ("schema", "fq", "source"),
    [
        ("organism", None, "import"),
        ("dnaSequence", None, None),  # the gene sources that name it (ISAAA, BioTrack)
        ("biosafetyDecision", "government_s:ca", "cfia"),
        ("biosafetyDecision", "government_s:au", "ogtr"),
    ],
)
def test_imported_records_say_where_each_field_came_from(client, schema, fq, source):
    ident = _first(client, schema, fq)
    r = client.get(f"/api/v1/records/{ident}/provenance")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["identifier"] == ident and body["schema"] == schema
    fields = body["provenance"]["fields"]
    document = client.get(f"/api/v1/records/{ident}").json()
    document = document.get("document", document)
    # every field of the record (its header aside) names its source
    named = {k for k in document if k != "header" and not k.startswith("_")}
    assert named and named <= set(fields) | {"provenance"}, named - set(fields)
    sources = {e["source"] for entries in fields.values() for e in entries}
    assert sources and all(e.get("sourceName") for v in fields.values() for e in v)
    if source:
        assert source in sources
    assert {s["source"] for s in body["sources"]} == sources
    assert set(body["provenance"]) >= {"fields", "disagreements", "flags"}


def test_lmo_provenance_is_the_lmo_apis(client):
    lmo = client.get("/api/v1/lmos/MON-ØØ81Ø-6").json()
    r = client.get(f"/api/v1/records/{lmo['identifier']}/provenance").json()
    assert r["provenance"] == lmo["provenance"]


def test_a_record_published_by_a_person_has_none_and_unknown_ids_are_404(services):
    org = factories.organization("Provenance Test Org (synthetic)")
    services.records.publish(org, strict=False)
    with TestClient(create_app(services)) as c:
        body = c.get(f"/api/v1/records/{org['header']['identifier']}/provenance").json()
        assert body["provenance"]["fields"] == {} and body["sources"] == []
        assert c.get("/api/v1/records/no-such-record/provenance").status_code == 404
