"""A node's bootstrap from the central's derived rows (issue 12 performance): the dumps with
derived rows carry each record's rows and the fingerprint of what derives them; a node whose
fingerprint matches inserts them as they are, and ends with exactly the rows (every table) and
the search, facet and v2013 answers of a node that derived them itself; a mismatch derives
and says so. The central holds the shipped real data (LMOs borrowing from organisms, decisions
and detection methods from LMOs): their sample (tests/shipped_sample.py: every record type,
field and kind of value, with what they reference), all of them under BCH_TEST_FULL=1. The
node's database is each backend in turn."""

from __future__ import annotations

import gzip
import logging
import shutil
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bch.api.app import create_app
from bch.importer.run import import_shipped
from bch.services import derived_dump
from bch.services.container import Services
from bch.storage.tables import (
    changes,
    documents,
    lmo_uids,
    record_facets,
    record_links,
    revisions,
    search_texts,
    search_tokens,
)
from tests import factories
from tests.nodes.test_node_sync import Central
from tests.shipped_sample import FULL, importing_sample

TABLES = (
    *(documents, revisions, changes, record_links, lmo_uids),
    *(record_facets, search_texts, search_tokens),
)
TIMES = {"created_at", "updated_at", "at"}  # when each node wrote its copy: not the same


@pytest.fixture
def shipped_central(tmp_path, shipped_templates, _sqlite_template) -> Iterator[Central]:
    path = tmp_path / "central.db"
    shutil.copyfile(shipped_templates.sqlite() if FULL else _sqlite_template, path)
    svc = Services.open(f"sqlite:///{path}").configured(BCH_RATE_LIMIT="off")
    if not FULL:
        with importing_sample():
            import_shipped(svc)
    c = Central(svc)
    try:
        yield c
    finally:
        c.stop()
        svc.close()


@pytest.fixture
def deriving_node(tmp_path, _sqlite_template) -> Iterator[Services]:
    """A second node (SQLite) that derives every row itself (from the dumps: a table snapshot
    is the central's rows)."""
    path = tmp_path / "deriving-node.db"
    shutil.copy(_sqlite_template, path)
    svc = Services.open(f"sqlite:///{path}", upgrade=False)
    try:
        yield svc.configured(BCH_NODE_BOOTSTRAP="dumps")
    finally:
        svc.close()


def _rows(svc: Services) -> dict[str, list[tuple]]:
    """Every row of the tables a bootstrap writes, without the moments of writing, sorted."""
    out = {}
    with svc.engine.connect() as conn:
        for table in TABLES:
            columns = [c for c in table.c if c.name not in TIMES]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted(
                orjson.dumps(tuple(r), option=orjson.OPT_SORT_KEYS) for r in rows
            )
    return out


def _answers(svc: Services) -> dict[str, Any]:
    """What searches, facets and the v2013 API answer (record ids and counts)."""
    out: dict[str, Any] = {}
    with TestClient(create_app(svc)) as client:
        for q in ("maize", "glyphosate", "MON-00810-6", "maïs", "soja", "résistant"):
            body = client.get(
                "/api/v1/records",
                params={
                    "q": q,
                    "facet": ["schema", "country", "trait"],
                    "limit": 200,
                    "total": "true",
                },
            ).json()
            out[f"v1 {q}"] = ([i["id"] for i in body["items"]], body["facets"], body["total"])
        for q in (
            "*:*",
            "text:maize",
            "schema_s:modifiedOrganism AND text:maïs",
            "title_t:soybean",
        ):
            params = {"q": q, "fl": "identifier_s", "rows": 1000, "facet": "true"}
            params["facet.field"] = "schema_s"
            answer = client.get("/api/v2013/index/select", params=params)
            assert answer.status_code == 200, (q, answer.text)
            body = answer.json()
            docs = [d.get("identifier_s") for d in body["response"]["docs"]]
            out[f"v2013 {q}"] = (sorted(map(str, docs)), body["response"]["numFound"])
    return out


def test_a_node_from_derived_rows_has_the_rows_and_answers_of_a_deriving_one(
    services, deriving_node, shipped_central, monkeypatch, caplog
):
    central = shipped_central
    # the node inserts the central's rows
    services.node.configure(central.url, "CA", token=central.token)
    report = services.node.sync_once()
    status = services.node.status()
    assert status["derivedFrom"] == f"central (fingerprint {derived_dump.fingerprint()[:12]})"
    assert sum(report.bootstrapped.values()) == central.svc.records.health()["records"]
    # the other derives them: the central says its rows come from other code
    other = {"version": derived_dump.VERSION, "fingerprint": "0" * 64}
    monkeypatch.setattr(derived_dump, "meta", lambda: other)
    deriving_node.node.configure(central.url, "CA", token=central.token)
    with caplog.at_level(logging.WARNING, logger="bch.node"):
        deriving_node.node.sync_once()
    said = deriving_node.node.status()["derivedFrom"]
    assert said.startswith("derived here: fingerprint differs (central 000000000000, node ")
    assert "the node derives the rows itself: fingerprint differs" in caplog.text
    mine, theirs = _rows(services), _rows(deriving_node)
    for table in TABLES:
        assert mine[table.name] == theirs[table.name], table.name
    records = len(mine["documents"])
    assert records > 100  # the shipped data, or its sample
    assert len(mine["record_facets"]) > 5 * records and len(mine["search_texts"]) > records
    answers = _answers(services)
    assert all(a[-1] for a in answers.values()), answers  # each question finds something
    assert answers == _answers(deriving_node)
    # and after the feed: a new revision and a new record come through on both alike
    lmo = central.svc.records.list(schema="organism", limit=1).items[0]
    body = central.svc.records.get(lmo.identifier).document
    central.svc.records.publish({**body, "commonNames": {"en": "a new name"}}, by="t")
    central.svc.records.publish(factories.organism("Oryza sativa"), by="t")
    for node in (services, deriving_node):
        assert node.node.sync_once().applied == 2
    assert _rows(services) == _rows(deriving_node)


def test_a_node_mirroring_some_record_types_derives_and_says_why(services, shipped_central):
    central = shipped_central
    services.node.configure(central.url, "CA", token=central.token, schemas=["authority"])
    services.node.sync_once()
    said = services.node.status()["derivedFrom"]
    assert (
        said == "derived here: the node mirrors some record types only, not the LMOs and organisms"
    )


def test_the_derived_dump_carries_each_records_stored_rows(services):
    docs = [factories.organism("Zea mays"), factories.organism("Glycine max")]
    docs.append(factories.authority("CA"))
    services.records.publish_many(docs, by="t")
    with TestClient(create_app(services.configured(BCH_RATE_LIMIT="off"))) as client:
        listed = client.get("/api/v1/export").json()["items"]
        assert all("derived.ndjson.gz" in e["formats"] for e in listed)
        plain = client.get("/api/v1/export/organism.ndjson").content.splitlines()
        answer = client.get("/api/v1/export/organism.derived.ndjson.gz")
    assert answer.status_code == 200
    lines = [orjson.loads(x) for x in gzip.decompress(answer.content).splitlines()]
    assert lines[0]["_meta"]["derived"] == {
        "version": derived_dump.VERSION,
        "fingerprint": derived_dump.fingerprint(),
    }
    assert "derived" not in orjson.loads(plain[0])["_meta"]  # the plain dump stays as it was
    assert all("derived" not in orjson.loads(x) for x in plain[1:])
    assert [x["document"] for x in lines[1:]] == [orjson.loads(x)["document"] for x in plain[1:]]
    stored = _rows(services)
    for line in lines[1:]:
        rows = line["derived"]
        doc_id = int(line["id"].split("-")[3])
        assert rows == derived_dump.rows_of(line)
        assert rows["title"] == services.records.get(line["identifier"]).doc.title
        words = orjson.dumps(
            (doc_id, rows["words"], rows["titleWords"]), option=orjson.OPT_SORT_KEYS
        )
        assert words in stored["search_tokens"]
        assert rows["facets"] and all(
            orjson.dumps((doc_id, f, v)) in stored["record_facets"] for f, v in rows["facets"]
        )
        assert (
            rows["texts"]
            and "zea mays" in " ".join(rows["texts"].values()).casefold()
            or ("glycine max" in " ".join(rows["texts"].values()).casefold())
        )
