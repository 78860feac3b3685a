"""SQLite connection rules (bch.storage.sqlite_locking): the busy timeout comes from the
environment, read transactions stay readers (an open dump never blocks a publish), and a write
after a read in a read transaction is reported."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select, text, update

from bch.services.container import Services
from bch.settings import Settings
from bch.storage.engine import make_engine
from bch.storage.sqlite_locking import patience, switch_to_wal
from bch.storage.tables import documents
from tests import factories


@pytest.fixture
def sqlite(tmp_path):
    svc = Services.open(f"sqlite:///{tmp_path / 'bch.db'}")
    yield svc
    svc.close()


def _busy_ms(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("PRAGMA busy_timeout")).scalar_one()


BUSY_TIMEOUT_ENV = "BCH_SQLITE_BUSY_TIMEOUT"


def test_busy_timeout_is_set_on_every_connection_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "2.5")
    svc = Services.open(f"sqlite:///{tmp_path / 'a.db'}")  # the settings read at open
    engine = svc.engine
    assert _busy_ms(engine) == 2500
    with engine.connect() as conn, patience(conn, 600):
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 600_000
    assert _busy_ms(engine) == 2500  # restored before the connection went back to the pool
    monkeypatch.delenv(BUSY_TIMEOUT_ENV)
    svc.close()
    assert _busy_ms(Services.open(f"sqlite:///{tmp_path / 'b.db'}").engine) == 30_000
    assert _busy_ms(make_engine(f"sqlite:///{tmp_path / 'c.db'}", busy_timeout=4)) == 4000


@pytest.mark.parametrize("value", ["soon", "-1", "1e9"])
def test_a_bad_busy_timeout_is_refused_with_its_expected_form(tmp_path, monkeypatch, value):
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, value)
    with pytest.raises(ValueError, match=f"{BUSY_TIMEOUT_ENV} must be a number of seconds"):
        Services.open(f"sqlite:///{tmp_path / 'a.db'}")
    with pytest.raises(ValueError, match=f"{BUSY_TIMEOUT_ENV} must be a number of seconds"):
        Settings.from_environ({BUSY_TIMEOUT_ENV: value})


def test_an_open_dump_does_not_block_a_publish(sqlite):
    sqlite.records.publish(factories.organism("Zea mays"), by="test")
    dump = sqlite.exports.open("organism.ndjson")  # its snapshot is open until it is read
    try:
        sqlite.records.publish(factories.organism("Glycine max"), by="test")
        body = b"".join(dump.chunks)
    finally:
        dump.chunks.close()
    assert dump.sequence == 1 and b"Zea mays" in body
    assert b"Glycine max" not in body  # published after the snapshot
    assert sqlite.changes.last_sequence() == 2


def test_a_write_after_a_read_in_a_read_transaction_is_reported(sqlite, caplog):
    with caplog.at_level(logging.WARNING, logger="bch.storage.sqlite_locking"):
        with sqlite.engine.begin() as conn:  # a write transaction: nothing to report
            conn.execute(select(documents.c.id)).all()
            conn.execute(update(documents).values(owner="SCBD"))
        assert caplog.records == []
        with sqlite.engine.connect() as conn:  # begun by its first statement: a read
            conn.execute(select(documents.c.id)).all()
            conn.execute(update(documents).values(owner="SCBD"))
            conn.commit()
    assert [r.getMessage()[:40] for r in caplog.records] == [
        "SQLite write after a read in a read tran"
    ]


def _hold_exclusive_lock(path, seconds: float) -> threading.Thread:
    """Another connection holds the new database to itself for `seconds` (as a second process
    opening the same new database does), so switching it to WAL is refused meanwhile."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE t (x)")

    def release() -> None:
        time.sleep(seconds)
        holder.execute("COMMIT")
        holder.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_switching_to_wal_waits_for_a_connection_holding_the_new_database(tmp_path):
    path = tmp_path / "new.sqlite"
    thread = _hold_exclusive_lock(path, 0.3)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=0")  # SQLite gives up at once: only the retry can wait
    switch_to_wal(conn.cursor(), timeout=10)
    thread.join()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_switching_to_wal_gives_up_after_the_busy_timeout(tmp_path):
    path = tmp_path / "new.sqlite"
    thread = _hold_exclusive_lock(path, 1.0)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=0")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        switch_to_wal(conn.cursor(), timeout=0.05)
    thread.join()
    conn.close()


def test_the_writers_of_a_process_take_turns_before_sqlites_lock(sqlite):
    """Issue 15 (the mixed load's writes): a second writer of the process waits on the
    process's turn, not in SQLite's busy handler (which polls with sleeps of up to 100 ms and
    made some of tens of waiting writes wait seconds): it sends its BEGIN IMMEDIATE only once
    the first writer has committed."""
    from sqlalchemy import event

    events: list[tuple[str, str]] = []
    engine = sqlite.engine

    def sent(conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            events.append((threading.current_thread().name, "begin"))

    def committed(conn):
        events.append((threading.current_thread().name, "commit"))

    event.listen(engine, "before_cursor_execute", sent)
    event.listen(engine, "commit", committed)
    inside, second_started = threading.Event(), threading.Event()

    def first():
        with sqlite.db.writing(changes=False) as conn:
            conn.execute(text("SELECT 1"))
            inside.set()
            assert second_started.wait(10)
            time.sleep(0.5)  # the second writer has time to reach SQLite's lock, if it may

    def second():
        assert inside.wait(10)
        second_started.set()
        with sqlite.db.writing(changes=False) as conn:
            conn.execute(text("SELECT 1"))

    try:
        threads = [threading.Thread(target=f, name=f.__name__) for f in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        event.remove(engine, "before_cursor_execute", sent)
        event.remove(engine, "commit", committed)
    assert events == [
        ("first", "begin"),
        ("first", "commit"),
        ("second", "begin"),
        ("second", "commit"),
    ]
