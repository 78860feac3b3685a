"""The latest change of the database, read as cheaply as the driver allows: the read cache
(services/read_cache.py) asks for it on every anonymous read, so it is the cost of a cache hit.

`bitmap_index.last_change` through a SQLAlchemy connection costs a pool checkout, a BEGIN, the
statement's compilation lookup and a rollback: about ten times the query itself. Here one
statement runs on a DBAPI connection outside any transaction, so it sees every commit made
until then, by any process. On a SQLite file the connection is this object's own (one SQLite
statement on it costs tens of microseconds), opened again when the engine was disposed (a
restore), and the statement runs only when SQLite's data version says another connection
committed since the last one; on PostgreSQL it is borrowed from the engine's pool for the statement.

When it moved, `change_tags` says what the new changes touched (storage/read_deps.py tags), so
that the caches forget only the answers made of it.

Data that changes without a record publish (an import's detection methods, provenance and
reported approvals, a refreshed source snapshot, the search rows a `bch db reindex` rewrites)
appends no change: its writes call `bump`,
which adds 1 to its mark (table `data_marks`) in the same transaction, and the same statement
returns the marks' sum after the latest change, so a cache sees such a write at its next look-up
too (and forgets everything then: these writes are rare and touch many LMOs). `latest` reads
the latest change and a mark in one statement on a SQLAlchemy connection, for what is kept per
database state and read in a transaction (the search index, the v2013 positions)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from bch.storage.read_deps import Tag
from bch.storage.tables import changes, data_marks, documents, lmo_uids, record_links

# one row always: the latest change (NULLs when there is none) and the sum of the data marks
SQL = (
    "SELECT c.seq, c.document_id, c.revision, c.at, m.n"
    f" FROM (SELECT COALESCE(SUM(n), 0) AS n FROM {data_marks.name}) m"
    f" LEFT JOIN (SELECT seq, document_id, revision, at FROM {changes.name}"
    " ORDER BY seq DESC LIMIT 1) c ON 1 = 1"
)
DATA_VERSION = "PRAGMA data_version"
#: the names of the data marks (a row each in `data_marks` from its first write)
MARKS = ("detection_methods", "provenance", "reported_approvals", "source_snapshots", "search_rows")
#: the search rows (facets, texts) rewritten without a change: `bch db reindex`
SEARCH_ROWS = "search_rows"


def bump(conn: Connection, name: str) -> None:
    """Note, in the caller's write transaction, that the data `name` (one of MARKS) changed."""
    assert name in MARKS, name
    done = conn.execute(
        update(data_marks).where(data_marks.c.name == name).values(n=data_marks.c.n + 1)
    )
    if done.rowcount:
        return
    try:  # its first write: the row is added (by one of two writers at once: the other adds 1)
        with conn.begin_nested():
            conn.execute(insert(data_marks).values(name=name, n=1))
    except IntegrityError:
        conn.execute(
            update(data_marks).where(data_marks.c.name == name).values(n=data_marks.c.n + 1)
        )


def marks_total(conn: Connection) -> int:
    """The sum of the data marks: moves with every write of data outside record publishes."""
    return int(conn.execute(select(func.coalesce(func.sum(data_marks.c.n), 0))).scalar_one())


def _latest_statement(names: Sequence[str] | None):
    marks = select(func.coalesce(func.sum(data_marks.c.n), 0).label("n"))
    if names is not None:
        marks = marks.where(data_marks.c.name.in_(names))
    m = marks.subquery()
    last = (
        select(changes.c.seq, changes.c.document_id, changes.c.revision, changes.c.at)
        .order_by(changes.c.seq.desc())
        .limit(1)
        .subquery()
    )
    columns = (last.c.seq, last.c.document_id, last.c.revision, last.c.at, m.c.n)
    return select(*columns).select_from(m.outerjoin(last, true()))


_LATEST = {None: _latest_statement(None), SEARCH_ROWS: _latest_statement([SEARCH_ROWS])}


def latest(conn: Connection, mark: str | None = None) -> tuple[tuple | None, int]:
    """The latest change (seq, document id, revision, time; None when there is none: as
    bitmap_index.last_change gives it) and the data mark `mark` (None: the sum of them all),
    in one statement."""
    row = conn.execute(_LATEST[mark]).one()
    return (tuple(row[:4]) if row[0] is not None else None), int(row[4])


def _row(row) -> tuple | None:
    """(seq, document id, revision, time, marks) of the latest change; None when there is
    neither a change nor a mark (seq 0 when there are marks but no change)."""
    if row is None or (row[0] is None and not row[4]):
        return None
    return (row[0] or 0, *row[1:4], int(row[4]))


class LatestChange:
    def __init__(self, engine: Engine, busy_timeout: float = 30.0):
        self.engine = engine
        self.busy_timeout = busy_timeout
        name = engine.url.database if engine.dialect.name == "sqlite" else None
        self.path = name if name and name != ":memory:" and not name.startswith("file:") else None
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pool = None  # the engine's pool the connection was opened under
        self._version: int | None = None  # PRAGMA data_version when `_row` was read
        self._row: tuple | None = None

    def __call__(self) -> tuple | None:
        """(seq, document id, revision, time, marks) of the latest change (`_row`)."""
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
                # PRAGMA data_version moves when another connection commits (this one never
                # writes): half the cost of the statement, which runs only then
                version = self._conn.execute(DATA_VERSION).fetchone()[0]
                if version != self._version:
                    self._row = _row(self._conn.execute(SQL).fetchone())
                    self._version = version
            except sqlite3.Error:
                self._close()  # opened again next time; the caller sees the error
                raise
            return self._row

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
        return _row(row)

    def _close(self) -> None:
        self._version = self._row = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self._close()


#: a batch of changes larger than this (an import) forgets every cached answer instead
MAX_TAGGED = 256
_CHANGED = (
    select(
        changes.c.seq,
        changes.c.action,
        changes.c.revision,
        documents.c.id,
        documents.c.identifier,
        documents.c.schema,
    )
    .join(documents, documents.c.id == changes.c.document_id)
    .where(changes.c.seq > bindparam("after"), changes.c.seq <= bindparam("upto"))
    .order_by(changes.c.seq)
    .limit(MAX_TAGGED + 1)
)


@dataclass(frozen=True)
class Changed:
    """What changes after a sequence number touched (read_deps tags), or None in `tags` when
    they are too many to list (forget everything)."""

    tags: frozenset[Tag] | None
    published: frozenset[str]  # record types of records published (new or not)
    deleted: frozenset[str]  # record types of deleted records


def change_tags(engine: Engine, after: int, upto: int) -> Changed:
    """The tags the changes after..upto touched: each changed record, what it links to now (a
    link added points at a record whose answer lists its referrers; a link removed is already
    covered, the answer that listed the referrer read it) and its LMO UID keys."""
    with engine.connect() as conn:
        rows = conn.execute(_CHANGED, {"after": after, "upto": upto}).all()
        # too many to list, or fewer than the numbers say (never, the sequence has no gap)
        if len(rows) > MAX_TAGGED or len(rows) < upto - after:
            return Changed(None, frozenset(), frozenset())
        ids = sorted({r.id for r in rows})
        tags: set[Tag] = {("doc", r.identifier) for r in rows}
        targets = conn.execute(
            select(record_links.c.target_identifier).where(record_links.c.source_id.in_(ids))
        )
        tags.update(("doc", t) for (t,) in targets)
        keys = conn.execute(select(lmo_uids.c.uid_key).where(lmo_uids.c.document_id.in_(ids)))
        tags.update(("lmo", k) for (k,) in keys)
    published = frozenset(r.schema for r in rows if r.action == "publish")
    deleted = frozenset(r.schema for r in rows if r.action != "publish")
    return Changed(frozenset(tags), published, deleted)
