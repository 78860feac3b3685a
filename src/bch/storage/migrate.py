"""Apply Alembic migrations from an empty database (SQLite and PostgreSQL).

Features may add migrations on separate branches from 0001; `upgrade` applies all heads.

Servers started together on one database migrate one at a time: the first takes a lock (SQLite's
write lock, BEGIN IMMEDIATE; a PostgreSQL advisory lock), the others wait for it, then find
every migration applied and go on."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from bch.storage.dialects import dialect_for
from bch.storage.sqlite_locking import STARTUP_WAIT

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps


def _config() -> Config:
    # Alembic is imported only when a migration is applied: importing it costs a fifth of a
    # second of CPU, at every start of `bch serve` and of each CLI command (bench_start)
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(
    engine: Engine,
    revision: str = "heads",
    *,
    wait: float = STARTUP_WAIT,
    attachments_dir: Path | None = None,
) -> None:
    """Apply the migrations up to `revision` in one transaction. `wait`: seconds a SQLite
    database waits for another process's migration (PostgreSQL waits without a limit).
    `attachments_dir`: the configured attachment folder (migration 0005 reads files there)."""
    if revision == "heads" and current_revisions(engine) == head_revisions():
        return  # nothing to do: no lock taken (other servers may be writing)
    cfg = _config()
    dialect = dialect_for(engine)
    # SQLite: BEGIN IMMEDIATE takes the write lock before reading the version (waiting up to
    # `wait`); PostgreSQL: an advisory lock until commit. The next server then sees it all.
    with engine.connect() as conn, dialect.patience(conn, wait), conn.begin():
        dialect.lock_migrations(conn)
        cfg.attributes["connection"] = conn
        cfg.attributes["attachments_dir"] = attachments_dir
        from alembic import command

        command.upgrade(cfg, revision)


@cache
def _scripts() -> tuple[frozenset[str], frozenset[str]]:
    """The heads and all revisions of the migrations folder, read once per process from each
    file's `revision` and `down_revision` (their values are literals), without importing Alembic
    or running the files: Alembic compiles every migration to list them, a quarter of a second
    at each start. tests/storage/test_migrations.py checks the answer against Alembic's."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        found = _revision_of(path)
        if found is None:
            continue
        revision, down = found
        revisions.add(revision)
        parents.update(down)
    return frozenset(revisions - parents), frozenset(revisions)


def _revision_of(path: Path) -> tuple[str, set[str]] | None:
    """(revision, its down revisions) of a migration file; None for a file without one."""
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            values[target.id] = ast.literal_eval(value)
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None
    down = values.get("down_revision")
    downs = {down} if isinstance(down, str) else set(down or ())
    return revision, downs


def head_revisions() -> set[str]:
    return set(_scripts()[0])


def all_revisions() -> set[str]:
    return set(_scripts()[1])


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return current_revisions_of(conn)


def current_revisions_of(conn: Connection) -> set[str]:
    """The revisions applied (Alembic's version table), read in the caller's transaction;
    none for a database never migrated."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return set()
    return {row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}
