"""What differs between SQLite and PostgreSQL, as one small class per database: the base class
holds the behaviour both share, each subclass overrides single methods (as pygeoapi's SQL
providers do). `dialect_for(engine)` chooses once, when the Database is opened; repositories
ask `db.dialect` and never test the database's name themselves."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Column, ColumnElement, Connection, Engine, Table, Text, cast, func, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from bch.storage.sequence import WRITERS_LOCK
from bch.storage.sqlite_locking import one_writer, patience

MIGRATIONS_LOCK = text("SELECT pg_advisory_xact_lock(7745002)")  # PostgreSQL: one migrator


class SqlDialect:
    """Shared behaviour; subclasses override what their database does differently."""

    name = "sql"

    def lock_writers(self, conn: Connection) -> None:
        """Take the lock that orders writers, first thing in a write transaction (see
        bch.storage.sequence): nothing to do where BEGIN takes it."""

    def lock_migrations(self, conn: Connection) -> None:
        """Take the lock that lets one server migrate at a time, until commit: nothing to do
        where BEGIN takes the write lock."""

    def database_file(self, engine: Engine) -> Path | None:
        """The file holding the database, for files kept next to it (None: a server)."""
        return None

    def patience(self, conn: Connection, seconds: float | None) -> AbstractContextManager[None]:
        """Let a writer wait up to `seconds` for the write lock (None: the default wait)."""
        return nullcontext()

    def one_writer(self, conn: Connection, seconds: float | None) -> AbstractContextManager[None]:
        """The writers of this process, one at a time, before the database's own write lock
        (None: the default wait). PostgreSQL queues its lock waiters itself: nothing."""
        return nullcontext()

    def snapshot(self, conn: Connection) -> Connection:
        """The connection set up so that its next transaction reads one consistent snapshot
        over several statements."""
        return conn

    def insert(self, table: Table) -> Insert:
        """An INSERT that supports ON CONFLICT (upserts)."""
        raise NotImplementedError

    def json_without(self, column: Column, keys: Sequence[str]) -> ColumnElement[Any]:
        """A JSON column as text, without the top-level `keys`."""
        raise NotImplementedError

    def stored_time(self, column: Column) -> ColumnElement[Any]:
        """A timestamp column as the driver returns it fastest (see `iso_stored`)."""
        return column


class SqliteDialect(SqlDialect):
    name = "sqlite"

    def patience(self, conn: Connection, seconds: float | None) -> AbstractContextManager[None]:
        return patience(conn, seconds) if seconds is not None else nullcontext()

    def one_writer(self, conn: Connection, seconds: float | None) -> AbstractContextManager[None]:
        return one_writer(conn, seconds)

    def database_file(self, engine: Engine) -> Path | None:
        name = engine.url.database
        return None if name in (None, "", ":memory:") else Path(name).expanduser().resolve()

    def insert(self, table: Table) -> Insert:
        return sqlite.insert(table)

    def json_without(self, column: Column, keys: Sequence[str]) -> ColumnElement[Any]:
        return func.json_remove(column, *[f"$.{k}" for k in keys])

    def stored_time(self, column: Column) -> ColumnElement[Any]:
        # the stored text ("YYYY-MM-DD HH:MM:SS.ffffff", UTC): no datetime parsing per row
        return cast(column, Text).label(column.name)


class PostgresDialect(SqlDialect):
    name = "postgresql"

    def lock_writers(self, conn: Connection) -> None:
        conn.execute(WRITERS_LOCK)

    def lock_migrations(self, conn: Connection) -> None:
        conn.execute(MIGRATIONS_LOCK)

    def snapshot(self, conn: Connection) -> Connection:
        return conn.execution_options(isolation_level="REPEATABLE READ")

    def insert(self, table: Table) -> Insert:
        return postgresql.insert(table)

    def json_without(self, column: Column, keys: Sequence[str]) -> ColumnElement[Any]:
        return cast(column.op("-")(postgresql.array(list(keys))), Text)


def dialect_for(engine: Engine) -> SqlDialect:
    if engine.dialect.name == "postgresql":
        return PostgresDialect()
    if engine.dialect.name == "sqlite":
        return SqliteDialect()
    raise ValueError(f"unsupported database {engine.dialect.name!r}: use sqlite or postgresql")
