"""The tables live in several modules (storage/tables.py, tables_alerts.py,
tables_participation.py, tables_nodes.py) on one `metadata`: whoever uses it (backup/restore,
the migrations' check, the tests' emptying of tables) sees every table the migrations create,
even in a process that imported nothing else."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import inspect

from bch.storage.tables import metadata

# tables of the database that are not tables of `metadata`: Alembic's, and SQLite's FTS5 index
# of search tokens with its shadow tables (the database rebuilds them; storage/backup.py)
NOT_METADATA = {"alembic_version"}
FTS_PREFIX = "search_tokens_fts"


def _database_tables(svc) -> set[str]:
    names = set(inspect(svc.engine).get_table_names())
    return {n for n in names - NOT_METADATA if not n.startswith(FTS_PREFIX)}


def test_metadata_holds_every_table_the_migrations_create(services):
    tables = _database_tables(services)
    assert {"documents", "alert_outbox", "forum_posts", "node_outbox"} <= tables
    assert tables == set(metadata.tables)


def test_a_process_that_only_backs_up_sees_every_table(services):
    """A fresh interpreter importing only the backup module (and the tests' conftest, which
    imports `metadata` from bch.storage.tables) has the tables of every module."""
    code = (
        "import json, sys\n"
        "import bch.storage.backup as backup\n"
        "json.dump(sorted(backup.metadata.tables), sys.stdout)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert set(json.loads(out.stdout)) == _database_tables(services)


def test_backup_counts_every_table(services, tmp_path):
    report = services.backup.backup(tmp_path / "bch.tar")
    assert set(report.manifest["counts"]) == _database_tables(services)
