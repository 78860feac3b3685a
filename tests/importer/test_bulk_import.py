"""The shipped data's first load in bulk (bch.services.record_import) stores exactly what
publishing the documents one by one stores: every row of every table, times apart (each publish
takes its own clock), and the same full-text index answers (SQLite FTS5, PostgreSQL GIN), on
SQLite and PostgreSQL. On the shipped data's sample (tests/shipped_sample.py: every record type,
field and kind of value, with what they reference), all of it under BCH_TEST_FULL=1."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import DateTime, func, select

from bch.importer.run import import_shipped
from bch.services.container import Services
from bch.storage.tables import metadata
from tests.postgres import throwaway_database
from tests.shipped_sample import importing_sample


@contextmanager
def _second_database(request, services: Services, tmp_path) -> Iterator[Services]:
    """Another fresh migrated database on the backend of `services`."""
    if services.engine.dialect.name == "sqlite":
        path = tmp_path / "one-by-one.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        svc = Services.open(f"sqlite:///{path}", upgrade=False)
        try:
            yield svc
        finally:
            svc.close()
        return
    with throwaway_database(f"bulk_{uuid.uuid4().hex[:6]}") as url:
        svc = Services.open(url)
        try:
            yield svc
        finally:
            svc.close()


def _tables(svc: Services) -> dict[str, list[tuple]]:
    """Every row of every table, without the columns of times, sorted."""
    out: dict[str, list[tuple]] = {}
    with svc.engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if not isinstance(c.type, DateTime)]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def _matches(svc: Services, words: list[str]) -> dict[str, list[str]]:
    """The records a text search over the full-text index finds, per word."""
    return {w: [d.identifier for d in svc.records.list(q=w, limit=1000).items] for w in words}


def test_the_bulk_first_load_stores_what_one_by_one_publishes_store(request, services, tmp_path):
    with importing_sample() as plan:
        bulk = import_shipped(services)
    with _second_database(request, services, tmp_path) as one_by_one:
        with importing_sample():
            single = import_shipped(one_by_one, bulk=False)
        assert bulk is not None and single is not None
        assert bulk == single  # published per schema, warnings, retired, report
        assert sum(bulk.published.values()) == len(plan.documents) > 100
        expected, got = _tables(one_by_one), _tables(services)
        words = ["maize", "glyphosate", "mon810", "brinjal", "soja", "kanamycin"]
        expected_hits, got_hits = _matches(one_by_one, words), _matches(services, words)
    assert [t for t in expected if expected[t] != got[t]] == []
    assert sum(len(rows) for rows in got.values()) > 10 * len(plan.documents)
    assert got_hits == expected_hits
    assert any(got_hits.values())


def test_after_a_bulk_load_ids_follow_on_and_a_second_import_changes_nothing(services):
    """A publish after the load takes the next documentID (PostgreSQL: the id sequence moved
    past the ids the bulk load wrote); importing again publishes nothing new."""
    with importing_sample() as plan:
        import_shipped(services)
    with services.engine.connect() as conn:
        last = conn.execute(select(func.max(metadata.tables["documents"].c.id))).scalar_one()
    organism = services.records.list(schema="organism", limit=1).items[0]
    body = dict(services.records.get(organism.identifier).revision.body)
    body["header"] = {**body["header"], "identifier": str(uuid.uuid4())}
    published = services.records.publish(body, strict=False)
    assert published.uid.split("-")[-2] == str(last + 1)
    with importing_sample():
        again = import_shipped(services)
    assert again is not None and not again.changed
    assert sum(again.unchanged.values()) == len(plan.documents)


def test_a_failure_after_a_written_batch_leaves_nothing_and_the_text_index_kept(
    services, plan_documents
):
    """All or nothing: a document refused after a first batch was written rolls back that batch
    and the dropped FTS5 triggers / GIN indexes; a publish afterwards is found by text search."""
    from bch.services.errors import ValidationFailed
    from bch.services.record_import import BATCH, publish_in_bulk
    from tests import factories

    broken = {"header": {"identifier": str(uuid.uuid4()), "schema": "no-such-schema"}}
    documents = [*plan_documents[: BATCH + 20], broken]
    with pytest.raises(ValidationFailed), services.records.batch(by="test") as batch:
        publish_in_bulk(services.records, batch.tx, documents, by="test", strict=False)
    assert services.records.health() == {"records": 0, "sequence": 0}
    services.records.publish(factories.organism("Quercus bulkloadensis"), by="test")
    found = services.records.list(q="bulkloadensis").items
    assert [d.schema for d in found] == ["organism"]
