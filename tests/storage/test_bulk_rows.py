"""bch.storage.bulk.insert_rows (a node's bootstrap, bench data): rows written straight to the
driver on SQLite read back exactly as those SQLAlchemy's insert() writes, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from bch.storage.bulk import bulk_publish, insert_rows, insert_tuples
from bch.storage.mirror_stamps import CentralStamp, stamp_publishes
from bch.storage.rows import NewRevision
from bch.storage.tables import (
    changes,
    documents,
    record_facets,
    revisions,
    search_texts,
    search_tokens,
)

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


def test_no_rows_to_insert_writes_nothing_and_does_not_fail(services):
    """A node's copy of older revisions may find every revision of a page already here: no row
    to write (on SQLite the converters were zipped with the rows' columns: ValueError)."""
    with services.store.writing() as conn:
        insert_tuples(conn, revisions, ("document_id", "revision", "body", "hash"), [])
        insert_rows(conn, documents, [])
    with services.engine.connect() as conn:
        assert conn.execute(select(revisions)).all() == []


def _new(identifier: str) -> NewRevision:
    return NewRevision(
        identifier=identifier,
        realm="BCH",
        schema="organism",
        short_code="ORGA",
        owner="SCBD",
        title={"en": identifier},
        body={"header": {"identifier": identifier}},
        hash="0" * 64,
        by="node-sync",
        warnings=[],
        links=[],
        lmo_keys=[],
        facets=[("schema", "organism")],
        texts={"en": identifier},
        index=(identifier, identifier),
    )


def test_stamps_written_with_the_rows_are_the_stamps_applied_after(services):
    """A node's bootstrap writes the central's times and warnings with the new rows
    (bulk_publish `stamps`): the rows are those stamp_publishes gives them afterwards."""
    at = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    warned = [{"code": "Warning.Mandatory", "path": "country", "message": "mandatory"}]
    stamps = [
        CentralStamp(1, 2, AT, datetime(2026, 12, 3, 13, 0, tzinfo=UTC), warned),
        CentralStamp(2, 1, None, None, None),  # the central said nothing: the node's own
        CentralStamp(3, 4, AT, None, []),
        None,
    ]
    keys = [(1, 2), (2, 1), (3, 4), (4, 1)]
    with services.store.writing() as conn:
        bulk_publish(conn, [_new(f"a-{i}") for i in range(4)], at, keys, stamps)
    with services.engine.connect() as conn:
        written = _stamped_rows(conn)
    with services.store.writing() as conn:  # the same records the other way: rows, then stamps
        for table in (changes, search_tokens, search_texts, record_facets, revisions, documents):
            conn.execute(table.delete())
        bulk_publish(conn, [_new(f"a-{i}") for i in range(4)], at, keys)
        stamp_publishes(conn, [s for s in stamps if s is not None])
    with services.engine.connect() as conn:
        assert _stamped_rows(conn) == written
    assert written["revisions"][0][2:] == (datetime(2026, 12, 3, 13, 0), warned)
    assert written["documents"][1][2:] == (at.replace(tzinfo=None),) * 2


def _stamped_rows(conn) -> dict[str, list[tuple]]:
    def naive(value):
        return value.replace(tzinfo=None) if isinstance(value, datetime) else value

    queries = {
        "documents": select(
            documents.c.id, documents.c.identifier, documents.c.created_at, documents.c.updated_at
        ),
        "revisions": select(
            revisions.c.document_id,
            revisions.c.revision,
            revisions.c.created_at,
            revisions.c.warnings,
        ),
        "changes": select(changes.c.document_id, changes.c.revision, changes.c.at),
    }
    return {
        name: [tuple(map(naive, r)) for r in conn.execute(q.order_by(q.selected_columns[0]))]
        for name, q in queries.items()
    }
