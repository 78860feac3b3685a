"""SQLite connections that wait for the writer instead of answering "database is locked".

SQLite has one writer at a time. Three rules keep concurrent requests (threads and processes)
from failing:

* Every connection waits up to the busy timeout for a lock (`BCH_SQLITE_BUSY_TIMEOUT`, seconds,
  default 30) instead of failing at once.
* A transaction opened explicitly (`engine.begin()`, `conn.begin()`, `Database.writing()`)
  is a write transaction: `BEGIN IMMEDIATE` takes the write lock before its first read. A
  transaction that read first and writes later would have to turn its read snapshot into the
  write lock, which SQLite refuses at once (SQLITE_BUSY, whatever the timeout) when another
  writer committed in between.
* A transaction SQLAlchemy opens by itself on a connection's first statement (`engine.connect()`
  then `execute`) and any transaction on a `sqlite_immediate=False` connection
  (`Database.reading()`) is a read: a plain `BEGIN`, so readers never wait for writers (WAL).
  If its first statement writes, it waits for the lock like any writer; a write after a read in
  such a transaction is logged, since it can fail under concurrency (open it with `begin()`).
* The writers of one process take their turn on a lock of the process (`one_writer`, per
  database file) before SQLite's: SQLite's busy handler polls with sleeps of up to 100 ms, so
  tens of threads polling for the lock at once made some writes wait seconds (issue 15: the
  mixed load's publishes once they left the event loop); queued on a lock of the process, the
  next writer starts as soon as the last one commits, and only one writer per process polls.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, TextClause, event
from sqlalchemy.sql.ddl import ExecutableDDLElement

log = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT = 30.0  # seconds
STARTUP_WAIT = 600.0  # seconds a starting server waits for another's migrations or first load

_AUTOBEGIN = "bch_sqlite_autobegin"  # keys in the DBAPI connection's info dict
_TX = "bch_sqlite_tx"
_BUSY_MS = "bch_sqlite_busy_ms"
_IMMEDIATE, _READ, _WROTE = "immediate", "read", "wrote"
_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def install(engine: Engine, timeout: float) -> None:
    """Attach the connection set-up and the transaction rules above to a SQLite engine."""
    ms = int(timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, record) -> None:
        record.info[_BUSY_MS] = ms
        dbapi_conn.isolation_level = None  # autocommit at driver level; we emit BEGIN
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={ms}")  # first: switching to WAL may have to wait
        switch_to_wal(cur, timeout)
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record) -> None:
        record.info.pop(_AUTOBEGIN, None)
        record.info.pop(_TX, None)

    event.listen(engine, "before_execute", _before_execute, retval=True)
    event.listen(engine, "begin", _begin)


def switch_to_wal(cur, timeout: float) -> None:
    """Switch the database to WAL. The switch needs the database to itself, and SQLite answers
    "database is locked" at once, without the busy handler, when another connection (of this or
    another process) is opening or switching the same new database at that moment: try again
    until the busy timeout is spent."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _writes(elem) -> bool:
    if getattr(elem, "is_dml", False) or isinstance(elem, ExecutableDDLElement):
        return True
    return isinstance(elem, TextClause) and _WRITES.match(elem.text) is not None


def _before_execute(conn: Connection, elem, multiparams, params, options):
    # One listener for every statement (kept cheap: it runs on every read too). On a
    # connection's first statement it fires before SQLAlchemy's own BEGIN, which is thus not an
    # explicit begin() (exec_driver_sql skips this event: its BEGIN counts as explicit).
    info = conn.info
    if not conn.in_transaction():
        info[_AUTOBEGIN] = _WROTE if _writes(elem) else _READ
    elif info.get(_TX) == _READ and _writes(elem):  # a reader turned writer
        info[_TX] = _WROTE
        log.warning(
            "SQLite write after a read in a read transaction (may fail with 'database is "
            "locked' under concurrency; open write transactions with begin()): %.200s",
            elem,
        )
    return elem, multiparams, params


def _begin(conn: Connection) -> None:
    first = conn.info.pop(_AUTOBEGIN, None)  # set: begun by this first statement, not begin()
    immediate = conn.get_execution_options().get("sqlite_immediate", first is None)
    conn.info[_TX] = _IMMEDIATE if immediate else (first or _READ)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_WRITERS: dict[str, threading.RLock] = {}  # database file -> this process's writers' turn
_WRITERS_LOCK = threading.Lock()


@contextmanager
def one_writer(conn: Connection, seconds: float | None) -> Iterator[None]:
    """One write transaction of this process at a time on this database file, waited for up to
    `seconds` (None: the busy timeout); past that, the transaction goes on to SQLite's own wait
    as before (which answers "database is locked" when it runs out). Re-entrant: a nested
    writer of the same thread meets SQLite's lock as it always did."""
    name = conn.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        yield
        return
    with _WRITERS_LOCK:
        lock = _WRITERS.setdefault(name, threading.RLock())
    wait = seconds if seconds is not None else conn.info[_BUSY_MS] / 1000
    taken = lock.acquire(timeout=max(0.0, wait))
    try:
        yield
    finally:
        if taken:
            lock.release()


@contextmanager
def patience(conn: Connection, seconds: float) -> Iterator[None]:
    """Let this connection wait up to `seconds` for locks (start-up steps: migrations, the
    first load), then restore the engine's busy timeout."""
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout={conn.info[_BUSY_MS]}")
