"""Apply Alembic migrations from an empty database (SQLite and PostgreSQL).

Features may add migrations on separate branches from 0001; `upgrade` applies all heads.

Servers started together on one database migrate one at a time: the first takes a lock (SQLite's
write lock, BEGIN IMMEDIATE; a PostgreSQL advisory lock), the others wait for it, then find
every migration applied and go on."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from bch.storage.dialects import dialect_for
from bch.storage.sqlite_locking import STARTUP_WAIT

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
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
        command.upgrade(cfg, revision)


@cache
def _scripts() -> tuple[frozenset[str], frozenset[str]]:
    """The heads and all revisions of the migrations folder, read once per process: Alembic
    compiles every migration file to list them (a quarter of a second, paid at each start of
    Services and by /readyz), and the folder does not change while the code runs."""
    scripts = ScriptDirectory.from_config(_config())
    return frozenset(scripts.get_heads()), frozenset(s.revision for s in scripts.walk_revisions())


def head_revisions() -> set[str]:
    return set(_scripts()[0])


def all_revisions() -> set[str]:
    return set(_scripts()[1])


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return current_revisions_of(conn)


def current_revisions_of(conn: Connection) -> set[str]:
    """The revisions applied, read in the caller's transaction."""
    return set(MigrationContext.configure(conn).get_current_heads())
