"""bch.storage.bulk.insert_rows (a node's bootstrap, bench data): rows written straight to the
driver on SQLite read back exactly as those SQLAlchemy's insert() writes, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from bch.storage.bulk import insert_rows
from bch.storage.tables import documents, revisions

AT = datetime(2026, 12, 3, 12, 0, 1, 234567, tzinfo=UTC)


def _document(doc_id: int) -> dict:
    return {
        "id": doc_id,
        "identifier": f"bulk-{doc_id}",
        "realm": "BCH",
        "schema": "organism",
        "short_code": "ORGA",
        "owner": "SCBD",
        "latest_revision": 3,
        "title": {"fr": "maïs « doux »", "zh": "玉米", "en": 'a "quoted" \\ name'},
        "created_at": AT,
        "updated_at": AT,
    }


def _revision(doc_id: int) -> dict:
    body = {"header": {"identifier": f"bulk-{doc_id}"}, "n": [1, 2.5, None, True], "t": "☃\n"}
    return {
        "document_id": doc_id,
        "revision": 3,
        "body": body,
        "hash": "0" * 64,
        "created_at": AT,
        "created_by": "test",
        "warnings": [],
    }


def test_insert_rows_reads_back_as_sqlalchemys_insert(services):
    with services.store.writing() as conn:
        conn.execute(insert(documents), [_document(1)])
        insert_rows(conn, documents, [_document(2), _document(3)])
        conn.execute(insert(revisions), [_revision(1)])
        insert_rows(conn, revisions, [_revision(2)])
    with services.engine.connect() as conn:
        docs = {r.id: dict(r._mapping) for r in conn.execute(select(documents))}
        revs = {r.document_id: dict(r._mapping) for r in conn.execute(select(revisions))}
        if conn.dialect.name == "sqlite":  # the stored time text too (ordering compares it)
            stored = dict(conn.exec_driver_sql("SELECT id, created_at FROM documents").all())
            assert stored[2] == stored[1] == "2026-12-03 12:00:01.234567"
    for doc_id in (2, 3):
        want = {**docs[1], "id": doc_id, "identifier": f"bulk-{doc_id}"}
        assert docs[doc_id] == want
    assert docs[2]["title"]["zh"] == "玉米" and docs[2]["created_at"].replace(tzinfo=UTC) == AT
    want = {
        **revs[1],
        "document_id": 2,
        "body": {**revs[1]["body"], "header": {"identifier": "bulk-2"}},
    }
    assert revs[2] == want
