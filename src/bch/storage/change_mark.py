"""The latest change of the database, read as cheaply as the driver allows: the read cache
(services/read_cache.py) asks for it on every anonymous read, so it is the cost of a cache hit.

`bitmap_index.last_change` through a SQLAlchemy connection costs a pool checkout, a BEGIN, the
statement's compilation lookup and a rollback: about ten times the query itself. Here one
statement runs on a DBAPI connection outside any transaction, so it sees every commit made
until then, by any process. On a SQLite file the connection is this object's own (one SQLite
statement on it costs tens of microseconds), opened again when the engine was disposed (a
restore); on PostgreSQL it is borrowed from the engine's pool for the statement."""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine

from bch.storage.tables import changes

SQL = f"SELECT seq, document_id, revision, at FROM {changes.name} ORDER BY seq DESC LIMIT 1"


class LatestChange:
    def __init__(self, engine: Engine, busy_timeout: float = 30.0):
        self.engine = engine
        self.busy_timeout = busy_timeout
        name = engine.url.database if engine.dialect.name == "sqlite" else None
        self.path = name if name and name != ":memory:" and not name.startswith("file:") else None
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pool = None  # the engine's pool the connection was opened under

    def __call__(self) -> tuple | None:
        """(seq, document id, revision, time) of the latest change, None when there is none."""
        if self.path is None:
            return self._pooled()
        with self._lock:
            if self._conn is None or self._pool is not self.engine.pool:
                self._close()
                self._conn = sqlite3.connect(
                    self.path,
                    isolation_level=None,  # autocommit: each statement sees the latest commit
                    check_same_thread=False,  # used under the lock by any thread
                    timeout=self.busy_timeout,
                )
                self._pool = self.engine.pool
            try:
                row = self._conn.execute(SQL).fetchone()
            except sqlite3.Error:
                self._close()  # opened again next time; the caller sees the error
                raise
        return tuple(row) if row is not None else None

    def _pooled(self) -> tuple | None:
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(SQL)
                row = cursor.fetchone()
            finally:
                cursor.close()
            conn.rollback()  # PostgreSQL: end the statement's transaction (a new snapshot next)
        finally:
            conn.close()
        return tuple(row) if row is not None else None

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self._close()
