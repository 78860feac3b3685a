"""A real PostgreSQL server for the tests: BCH_TEST_POSTGRES_URL, or the machine's local server
(started with pg_ctlcluster when it is installed but stopped). Each test session gets its own
throwaway database, dropped at the end. In CI (CI=true) a missing server fails the run.
Copies of a template database (tests/templates.py) are made with CREATE DATABASE ... TEMPLATE."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def admin_url() -> str:
    return os.environ.get("BCH_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


def _reachable(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _start_local_cluster() -> None:
    """Start the Debian cluster if one is installed (the service the machine is meant to run)."""
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        return
    for version in sorted(os.listdir("/etc/postgresql")):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            timeout=60,
            check=False,
        )


def server_problem() -> str | None:
    url = admin_url()
    problem = _reachable(url)
    if problem and "BCH_TEST_POSTGRES_URL" not in os.environ:
        _start_local_cluster()
        problem = _reachable(url)
    return problem


def database_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    return f"{admin_url().rpartition('/')[0]}/{name}"


def create_database(name: str, template: str | None = None) -> str:
    """Create database `name`, empty or as a copy of `template` (which must have no connection
    open: PostgreSQL copies it file by file); returns its URL.

    Its sessions commit without waiting for the WAL to reach the disk (synchronous_commit off:
    a commit is as visible to every other session and as atomic as before, only the last
    commits could be lost if the server itself crashed, which no test does). A test's commits
    no longer each wait for an fsync of a disk shared with everything else the machine runs."""
    sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(sql)
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    return database_url(name)


def drop_database(name: str) -> None:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_databases(prefix: str) -> list[str]:
    """Drop every database whose name starts with `prefix`; returns their names."""
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        names = [
            row[0]
            for row in conn.execute("SELECT datname FROM pg_database").fetchall()
            if row[0].startswith(prefix)
        ]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return names


@contextmanager
def throwaway_database(tag: str, template: str | None = None):
    """Create a fresh database (empty, or a copy of `template`), yield its SQLAlchemy URL, drop
    it afterwards."""
    name = f"bch_test_{tag}_{uuid.uuid4().hex[:8]}"
    url = create_database(name, template)
    try:
        yield url
    finally:
        drop_database(name)


# the statements that empty a migrated test database, per database name (the tables and
# sequences of a worker's database do not change during the run)
_EMPTYING: dict[str, str] = {}


def empty_database(engine) -> None:
    """Every table emptied and every sequence restarted, as in a new database, in one round trip
    to the server (sixty statements one by one cost a second per test on a loaded machine).
    DELETE, not TRUNCATE: the few rows a test writes are gone in milliseconds, where TRUNCATE
    makes new files for each of the tables and indexes (0.2-0.3 s idle, seconds while other
    suites write)."""
    from bch.storage.tables import metadata

    with engine.begin() as conn:
        # fail loudly (instead of waiting for ever) if a test leaked an open transaction
        conn.exec_driver_sql("SET LOCAL lock_timeout = '30s'")
        script = _EMPTYING.get(engine.url.database)
        if script is None:
            quote = conn.dialect.identifier_preparer
            sequences = conn.exec_driver_sql(
                "SELECT quote_literal(quote_ident(schemaname) || '.' || quote_ident(sequencename)),"
                " start_value FROM pg_sequences WHERE schemaname = current_schema()"
            ).all()
            # rows that refer to others first; then every sequence back to its start value with
            # setval in one SELECT of the same batch: ALTER SEQUENCE ... RESTART is DDL (a lock,
            # a new relation file and a cache invalidation per sequence), setval a plain update
            deletes = [
                f"DELETE FROM {quote.format_table(t)}" for t in reversed(metadata.sorted_tables)
            ]
            resets = ", ".join(f"setval({name}, {start}, false)" for name, start in sequences)
            script = ";\n".join(deletes + ([f"SELECT {resets}"] if resets else []))
            _EMPTYING[engine.url.database] = script
        conn.exec_driver_sql(script)
