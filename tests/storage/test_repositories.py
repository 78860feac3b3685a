"""The storage boundary on both backends: the dialect is chosen once from the engine and the
repositories give the same answers on SQLite and PostgreSQL where the SQL differs (dump bodies
without some fields, stored times, the feed's deletions within a scope)."""

from __future__ import annotations

import re

import orjson

from bch.storage.dialects import PostgresDialect, SqliteDialect
from bch.storage.dumps import DumpRepository
from bch.storage.feed import ChangeRepository
from bch.storage.scope import EVERYTHING, ReadScope
from tests import factories

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_the_dialect_is_chosen_once_from_the_engine(services):
    expected = {"sqlite": SqliteDialect, "postgresql": PostgresDialect}[services.engine.name]
    assert type(services.db.dialect) is expected
    assert services.db.name == services.engine.dialect.name


def test_dump_rows_leave_fields_out_in_sql_and_write_utc_times(services):
    doc = factories.organism("Zea mays")
    doc["commonNames"] = {"en": "maize"}
    services.records.publish(doc, by="test")
    services.records.publish(factories.organism("Oryza sativa"), by="test")
    dumps = DumpRepository(services.db)
    dump = dumps.open("organism", scope=EVERYTHING, without=["commonNames"])
    rows = list(dump.rows)
    assert dump.count == len(rows) == 2 and dump.sequence == 2
    for row in rows:
        body = orjson.loads(row.body)
        assert "commonNames" not in body and body["header"]["schema"] == "organism"
        assert ISO.match(row.created_at) and ISO.match(row.updated_at)
    whole = list(dumps.open("organism", scope=EVERYTHING).rows)
    assert orjson.loads(whole[0].body)["commonNames"] == {"en": "maize"}
    hidden = dumps.open("organism", scope=ReadScope(hidden_schemas=frozenset({"organism"})))
    assert hidden.count == 0 and list(hidden.rows) == []


def test_the_feed_keeps_deletions_within_the_scope(services):
    doc = factories.organism("Zea mays")
    services.records.publish(doc, by="test")
    services.records.delete(doc["header"]["identifier"], reason="duplicate", by="test")
    feed = ChangeRepository()
    with services.db.reading() as conn:
        rows = feed.page(conn, after=0, limit=10, scope=EVERYTHING)
        hidden = feed.page(
            conn, after=0, limit=10, scope=ReadScope(hidden_schemas=frozenset({"organism"}))
        )
    assert [(r.seq, r.action) for r in rows] == [(1, "publish"), (2, "delete")]
    assert rows[1].deleted_at is not None and rows[1].delete_reason == "duplicate"
    assert hidden == []
