"""The first read API against the real shipped data, on both backends (in-process client)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.config import MAX_DOCUMENT_BYTES
from tests.waiting import until


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


@pytest.mark.parametrize(
    "spelling",
    [
        "MON-00810-6",
        "MON-ØØ81Ø-6",
        "mon-øø81ø-6",
        "MON00810-6",
        "MON-OO81O-6",
        "mon%C3%98%C3%9881%C3%98-6",
    ],
)
def test_any_uid_spelling_returns_mon810(client, spelling):
    # the last spelling arrives percent-encoded twice over the wire, as in the example
    path = spelling if "%" in spelling else quote(spelling, safe="")
    r = client.get(f"/api/v1/lmos/{path}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["document"]["transformationEvent"] == "MON810"
    assert body["uniqueIdentification"] == "MON-ØØ81Ø-6"


def test_canadas_decisions_on_mon810_are_reachable(client):
    body = client.get("/api/v1/lmos/MON-00810-6").json()
    decisions = body["decisions"]
    assert decisions and all(d["country"] == "CA" for d in decisions)
    first = client.get(decisions[0]["url"])
    assert first.status_code == 200
    refs = [r["identifier"] for r in first.json()["document"]["modifiedOrganisms"]]
    assert body["identifier"] in refs


def test_stack_in_any_order_and_separator(client):
    a = client.get("/api/v1/lmos/" + quote("MON-89Ø34-3 × MON-88Ø17-3", safe=""))
    b = client.get("/api/v1/lmos/" + quote("MON-88017-3 x MON-89034-3", safe=""))
    assert a.status_code == b.status_code == 200
    assert a.json()["id"] == b.json()["id"]


def test_unknown_uid_and_record_are_404_with_the_error_shape(client):
    r = client.get("/api/v1/lmos/ABC-12345-6")
    assert r.status_code == 404 and r.json()["code"] == "notFound"
    r = client.get("/api/v1/records/NO-SUCH-RECORD-1")
    assert r.status_code == 404 and r.json()["statusCode"] == 404


def test_list_filters_and_cursor_paging(client):
    seen, url = [], "/api/v1/records?schema=biosafetyDecision&country=CA&limit=40"
    while url:
        r = client.get(url)
        assert r.status_code == 200
        body = r.json()
        seen += [i["id"] for i in body["items"]]
        assert all(
            i["country"] == "CA" and i["schema"] == "biosafetyDecision" for i in body["items"]
        )
        url = r.links.get("next", {}).get("url") if body["next"] else None
    assert len(seen) == len(set(seen)) >= 100


def test_lmo_registry_is_complete(client):
    # 1,055 LMOs (issue 16: lmo_events.csv merged, plus the BCH registry 2026): two pages
    r = client.get("/api/v1/records?schema=modifiedOrganism&limit=1000")
    items = r.json()["items"]
    assert len(items) == 1000 and r.json()["next"]
    r = client.get(r.links["next"]["url"])
    assert len(items) + len(r.json()["items"]) == 1055


def test_record_etag_and_304(client):
    item = client.get("/api/v1/records?schema=organism&limit=1").json()["items"][0]
    r = client.get(item["url"])
    assert r.status_code == 200 and r.headers["etag"] == f'"{item["id"]}"'
    assert client.get(item["url"], headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_schemas_are_published_as_json_schema(client):
    listed = client.get("/api/v1/schemas").json()["items"]
    names = {(s["realm"], s["schema"]) for s in listed}
    assert ("BCH", "modifiedOrganism") in names and ("CHM", "cooperativeActivity") in names
    schema = client.get("/api/v1/schemas/biosafetyDecision").json()
    assert schema["x-short-code"] == "DEC"
    assert {"government", "title", "decisionTypes"} <= set(schema["required"])
    assert client.get("/api/v1/schemas/nope").status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "Error.InvalidJson"),
        (b"", "Error.InvalidJson"),
    ],
)
def test_bad_json_is_a_clear_400(client, body, code):
    r = client.post("/api/v1/validate", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == code


def test_oversized_payload_is_413(client):
    big = b'{"x": "' + b"a" * (MAX_DOCUMENT_BYTES + 10) + b'"}'
    r = client.post("/api/v1/validate", content=big)
    assert r.status_code == 413 and r.json()["errors"][0]["code"] == "Error.PayloadTooLarge"


def test_validate_reports_each_problem_with_its_path(client):
    doc = {
        "header": {
            "identifier": "validate-test-0001",
            "schema": "biosafetyDecision",
            "languages": ["en"],
        },
        "government": {"identifier": "CA"},
        "title": {"en": "A decision", "fr": "Une décision"},
        "decisionTypes": [{"identifier": "BE64016A-C3BD-4C61-9620-C3FEF96B2A24"}],
        "authorities": [{"identifier": "no-such-authority-123"}],
        "date": "2020-13-45",
        "isAmendment": True,
        "expires": False,
    }
    r = client.post("/api/v1/validate", json=doc)
    assert r.status_code == 200
    found = {(e["code"], e["path"]) for e in r.json()["errors"]}
    assert ("Error.UnspecifiedLocale", "title.fr") in found
    assert ("Error.InvalidType", "date") in found
    assert ("Error.BrokenReference", "authorities[0].identifier") in found
    assert ("Error.Mandatory", "uses") in found  # Art. 11 LMO-FFP asks for uses
    assert ("Error.Mandatory", "amendedRecords") in found  # an amendment names what it amends
    r = client.post("/api/v1/validate", json={**doc, "header": {**doc["header"], "schema": "nope"}})
    assert ("Error.UnknownSchema", "header.schema") in {
        (e["code"], e["path"]) for e in r.json()["errors"]
    }


def test_healthz(client):
    assert client.get("/healthz").json()["status"] == "ok"  # alive: no database query
    # the search index is built in the background (503 "search index building" meanwhile)
    until(lambda: client.get("/readyz").status_code == 200, "/readyz ready")
    body = client.get("/readyz").json()
    assert body["status"] == "ready" and body["records"] > 1000


def test_decision_matrix_of_mon810(client):
    r = client.get("/api/v1/lmos/" + quote("MON-ØØ81Ø-6", safe="") + "/decisions")
    assert r.status_code == 200
    body = r.json()
    ca = next(c for c in body["countries"] if c["country"] == "CA")
    assert ca["name"]["fr"] == "Canada"
    # CFIA approved MON810 for food, feed and unconfined release
    assert {ca["cells"][s]["status"] for s in ("food", "feed", "release")} == {"approved"}
    some = ca["cells"]["release"]["decisions"][0]
    assert client.get(f"/api/v1/records/{some}").json()["schema"] == "biosafetyDecision"
