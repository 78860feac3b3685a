"""A new SQLite node's tables filled from a table snapshot (bch.storage.table_snapshot; issue 12
performance): the snapshot is ATTACHed and each table copied whole with INSERT ... SELECT *
(SQLite's transfer optimisation: the tables have the same shape, so rows and index entries are
copied page by page, in order, without being decoded), in ONE write transaction that ends with
the node's state (its cursor at the snapshot's sequence: `finish`). Killed at any point, the
transaction is rolled back and the node starts the copy again.

Rows written once: when the node's database has no other connection (`bch node sync --once`
before `bch serve`), the copy switches it from WAL to a rollback journal for the transaction:
pages appended to the file are not journaled, so each row is written once, not to the WAL and
then to the database; the full-text index is copied as well (its shadow tables). With other
connections open (a `bch serve` syncing in the background) it stays in WAL and rebuilds the
full-text index (other connections may hold the empty index's structure in memory)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import StaticPool

from bch.storage import database_lock
from bch.storage.bulk import FTS_TRIGGERS
from bch.storage.table_snapshot import FTS, FTS_SHADOWS, META, TABLES


@dataclass(frozen=True)
class Copied:
    per_schema: dict[str, int]  # records copied per record type
    exclusive: bool  # rows written once (rollback journal), the full-text index copied


class NotEmpty(Exception):
    """The node's tables already hold records: a snapshot is copied into empty tables only."""


def snapshot_meta(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(conn.execute(f"SELECT key, value FROM {META}").fetchall())
    finally:
        conn.close()


def migration_of(node: Path) -> str | None:
    conn = sqlite3.connect(f"file:{node}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        return ",".join(sorted(r[0] for r in rows)) or None
    finally:
        conn.close()


def copy_snapshot(node: Path, snapshot: Path, finish: Callable[[Connection], None]) -> Copied:
    """Copy the snapshot's tables into the node's (empty: else NotEmpty) and run `finish` (the
    node's state) in the same transaction."""
    raw = sqlite3.connect(f"file:{node}", uri=True, isolation_level=None)
    exclusive = False
    try:
        raw.execute("PRAGMA busy_timeout=0")  # another connection open: stay in WAL at once
        try:
            exclusive = raw.execute("PRAGMA main.journal_mode=DELETE").fetchone()[0] == "delete"
        except sqlite3.OperationalError:
            exclusive = False
        raw.execute("PRAGMA busy_timeout=30000")
        raw.execute("PRAGMA foreign_keys=OFF")  # the transfer optimisation needs them off
        raw.execute("PRAGMA cache_size=-65536")
        raw.execute("ATTACH DATABASE ? AS snap", (f"file:{snapshot}?mode=ro",))
        engine = create_engine("sqlite://", creator=lambda: raw, poolclass=StaticPool)
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            per_schema = _copy(conn, exclusive)
            finish(conn)
            conn.commit()
        raw.execute("DETACH DATABASE snap")
        return Copied(per_schema, exclusive)
    finally:
        try:
            if exclusive:
                raw.execute("PRAGMA main.journal_mode=WAL")  # main: not the read-only snapshot
        finally:
            raw.close()


def adopt_snapshot(
    node: Path, snapshot: Path, finish: Callable[[Connection], None]
) -> dict[str, int] | None:
    """Make the snapshot file the node's database: the node's own tables (its state, the
    migrations' version, every other table, empty or not) copied into it, `finish` run, in one
    transaction; then it replaces the node's file. The records' rows are written once (by the
    download). None when a `bch serve` holds the database's lock (bch.storage.database_lock:
    held from before the check until the new file has the database's name, so no server opens
    the old file meanwhile) or another connection has the node's database open (then
    `copy_snapshot`); NotEmpty when the node holds records."""
    with database_lock.replacing(node) as alone:  # a `bch serve` holds it: never replaced
        return _adopt(node, snapshot, finish) if alone else None


def _adopt(
    node: Path, snapshot: Path, finish: Callable[[Connection], None]
) -> dict[str, int] | None:
    raw = sqlite3.connect(f"file:{snapshot}", uri=True, isolation_level=None)
    try:
        raw.execute("PRAGMA busy_timeout=0")
        raw.execute("ATTACH DATABASE ? AS node", (f"file:{node}",))
        try:
            alone = raw.execute("PRAGMA node.journal_mode=DELETE").fetchone()[0] == "delete"
        except sqlite3.OperationalError:
            alone = False
        if not alone:
            return None
        raw.execute("PRAGMA main.journal_mode=DELETE")  # killed meanwhile: the file rolls back
        raw.execute("PRAGMA foreign_keys=OFF")
        engine = create_engine("sqlite://", creator=lambda: raw, poolclass=StaticPool)
        with engine.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            for table in TABLES:
                if conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM node.{table})").scalar():
                    raise NotEmpty(f"the node's database holds rows already ({table})")
            _take_the_rest(conn)
            finish(conn)
            rows = conn.exec_driver_sql("SELECT schema, count(*) FROM documents GROUP BY schema")
            per_schema = {schema: count for schema, count in rows}
            conn.commit()
        raw.execute("DETACH DATABASE node")
        raw.execute("PRAGMA main.journal_mode=WAL")
    finally:
        raw.close()
    with snapshot.open("rb+") as fh:  # on disk before it takes the node's name
        os.fsync(fh.fileno())
    snapshot.replace(node)
    for leftover in ("-journal", "-wal", "-shm"):
        node.with_name(node.name + leftover).unlink(missing_ok=True)
    return per_schema


def _take_the_rest(conn: Connection) -> None:
    """The node's schema objects the snapshot lacks, with their rows; the snapshot's own table
    of facts dropped."""
    conn.exec_driver_sql(f"DROP TABLE main.{META}")
    theirs = conn.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM node.sqlite_master "
        "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
    ).all()
    kinds = {"table": 0, "index": 1, "view": 1, "trigger": 2}  # tables before what uses them
    for kind, name, _table, sql in sorted(theirs, key=lambda r: kinds.get(r[0], 3)):
        have = conn.exec_driver_sql(
            "SELECT 1 FROM main.sqlite_master WHERE name = ?", (name,)
        ).first()
        if have is not None:
            continue  # the snapshot's (the same DDL) or a virtual table's shadow made already
        conn.exec_driver_sql(sql)
        if kind == "table" and not sql.upper().startswith("CREATE VIRTUAL"):
            conn.exec_driver_sql(f'INSERT INTO main."{name}" SELECT * FROM node."{name}"')
    if (
        conn.exec_driver_sql(
            "SELECT 1 FROM node.sqlite_master WHERE name = 'sqlite_sequence'"
        ).first()
        and conn.exec_driver_sql(
            "SELECT 1 FROM main.sqlite_master WHERE name = 'sqlite_sequence'"
        ).first()
    ):
        conn.exec_driver_sql(
            "INSERT INTO main.sqlite_sequence SELECT * FROM node.sqlite_sequence "
            "WHERE name NOT IN (SELECT name FROM main.sqlite_sequence)"
        )
    version = conn.exec_driver_sql("PRAGMA node.user_version").scalar()
    conn.exec_driver_sql(f"PRAGMA main.user_version={int(version or 0)}")


def _copy(conn: Connection, exclusive: bool) -> dict[str, int]:
    for table in TABLES:
        if conn.exec_driver_sql(f"SELECT EXISTS (SELECT 1 FROM main.{table})").scalar():
            raise NotEmpty(f"the node's database holds rows already ({table})")
    for name in FTS_TRIGGERS:  # no index update per row: the index is copied or rebuilt
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS main.{name}")
    for table in TABLES:
        conn.exec_driver_sql(f"INSERT INTO main.{table} SELECT * FROM snap.{table}")
    if exclusive:
        for shadow in FTS_SHADOWS:
            conn.exec_driver_sql(f"DELETE FROM main.{shadow}")
            conn.exec_driver_sql(f"INSERT INTO main.{shadow} SELECT * FROM snap.{shadow}")
    else:
        conn.exec_driver_sql(f"INSERT INTO main.{FTS}({FTS}) VALUES ('rebuild')")
    for create in FTS_TRIGGERS.values():
        conn.exec_driver_sql(create)
    rows = conn.exec_driver_sql("SELECT schema, count(*) FROM main.documents GROUP BY schema")
    return {schema: count for schema, count in rows}
