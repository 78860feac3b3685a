"""The latest change as the read caches ask for it on every anonymous read
(storage/change_mark.LatestChange): a publish, a data mark and a write from another process are
seen by the next call; on SQLite the statement runs only when PRAGMA data_version says another
connection committed (issue 15 item 2). On both databases."""

from __future__ import annotations

import sqlite3

from bch.storage import change_mark
from bch.storage.change_mark import LatestChange
from tests import factories


def test_every_commit_is_seen_by_the_next_call(services):
    latest = LatestChange(services.engine)
    try:
        before = latest()
        services.records.publish(factories.organism("Zea mays"))
        after = latest()
        assert after is not None and (before is None or after[0] == before[0] + 1)
        assert latest() == after  # nothing new: the same
        with services.engine.begin() as conn:  # a write outside record publishes
            change_mark.bump(conn, "provenance")
        marked = latest()
        assert marked[0] == after[0] and marked[4] == after[4] + 1
    finally:
        latest.close()


def test_sqlite_runs_the_statement_only_after_another_connection_committed(services):
    if services.engine.dialect.name != "sqlite":
        return  # PostgreSQL: one statement per call (no data version to ask)
    latest = LatestChange(services.engine)
    try:
        first = latest()
        assert latest() is first  # nothing committed: the row read before, not read again
        path = services.engine.url.database
        other = sqlite3.connect(path, timeout=30)  # another process's connection, in effect
        try:
            with other:
                other.execute("UPDATE data_marks SET n = n + 1")
                other.execute(
                    "INSERT INTO data_marks (name, n) SELECT 'source_snapshots', 1"
                    " WHERE NOT EXISTS (SELECT 1 FROM data_marks)"
                )
        finally:
            other.close()
        seen = latest()
        assert seen is not first and seen[4] >= ((first or (0,) * 5)[4] or 0) + 1
    finally:
        latest.close()
