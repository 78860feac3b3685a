"""One database: its engine, its dialect (chosen once, bch.storage.dialects) and its
transactions. Every repository is built on a Database; services never touch an engine.

`Connection` and `Engine` are re-exported for type hints outside storage: a service holds a
connection only as an opaque handle to pass to repositories (it never builds SQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from bch.storage.dialects import SqlDialect, dialect_for
from bch.storage.engine import make_engine

__all__ = ["Connection", "Database", "DatabaseError", "Engine"]


class DatabaseError(Exception):
    """A write the database refused (busy, missing table, ...), raised by repositories whose
    callers carry on without it (bookkeeping): they need not know the driver's exceptions."""


class Database:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect: SqlDialect = dialect_for(engine)

    @classmethod
    def open(cls, url: str) -> Database:
        return cls(make_engine(url))

    @property
    def name(self) -> str:
        """sqlite or postgresql."""
        return self.dialect.name

    @contextmanager
    def writing(self, *, wait: float | None = None, changes: bool = True) -> Iterator[Connection]:
        """A write transaction: commits on success, rolls back on any error. It takes the lock
        that orders writers before anything else: SQLite's write lock (BEGIN IMMEDIATE; other
        writers wait up to the busy timeout, or `wait` seconds when given) or, on PostgreSQL,
        an advisory lock held until commit. So change sequence numbers are gap-free and
        committed in order (bch.storage.sequence). With `changes=False` (writes that never touch
        the change sequence: accounts, attachments, sign-in counters) PostgreSQL writers rely on
        row locks only and do not queue behind publishes."""
        conn = self.engine.connect().execution_options(sqlite_immediate=True)
        writers = self.dialect.one_writer(conn, wait)  # SQLite: this process's writers in turn
        with conn, writers, self.dialect.patience(conn, wait), conn.begin():
            if changes:
                self.dialect.lock_writers(conn)
            yield conn

    def reading(self) -> Connection:
        """A connection for reads: its transactions never take SQLite's write lock, even one
        opened with begin() (a consistent snapshot over several statements)."""
        return self.engine.connect().execution_options(sqlite_immediate=False)

    def snapshot(self) -> Connection:
        """A read connection whose transaction, begun now, sees one consistent snapshot until
        it ends (bulk dumps). The caller closes it."""
        conn = self.dialect.snapshot(self.reading())
        conn.begin()
        return conn

    def dispose(self) -> None:
        self.engine.dispose()
