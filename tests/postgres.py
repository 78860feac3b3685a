"""A real PostgreSQL server for the tests: BCH_TEST_POSTGRES_URL, or the machine's local server
(started with pg_ctlcluster when it is installed but stopped). Each test session gets its own
throwaway database, dropped at the end. In CI (CI=true) a missing server fails the run."""

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


@contextmanager
def throwaway_database(tag: str):
    """Create a fresh database, yield its SQLAlchemy URL, drop it afterwards."""
    name = f"bch_test_{tag}_{uuid.uuid4().hex[:8]}"
    url = admin_url()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
