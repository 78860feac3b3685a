"""The change sequence: one entry per publish and deletion, numbered 1, 2, 3, ... without gaps,
in commit order, on SQLite and PostgreSQL alike.

A number is taken inside the writing transaction as MAX(seq) + 1, while the transaction holds
the lock that orders writers (SQLite's write lock, taken by BEGIN IMMEDIATE; on PostgreSQL the
advisory lock below, taken first in every `Database.writing()` transaction and released only
at its commit or rollback). So the next writer reads MAX(seq) only after the previous one has
committed or rolled back: a write that fails, is rolled back or is killed takes no number (a
database SEQUENCE would have used one up and left a hole), and entry N is visible before N+1
exists, so a reader following `seq > since` never skips a committed entry.

Rows of `changes` must be written only here (or by `bulk.bulk_publish`, under the same lock)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select, text

from bch.storage.tables import changes

# Every Database.writing() transaction on PostgreSQL takes this lock first (unless changes=False).
WRITERS_LOCK = text("SELECT pg_advisory_xact_lock(7745001)")

# built once (building a statement costs more than running it)
_APPEND = insert(changes).values(
    seq=select(func.coalesce(func.max(changes.c.seq), 0) + 1).scalar_subquery(),
    document_id=bindparam("document_id"),
    revision=bindparam("revision"),
    action=bindparam("action"),
    at=bindparam("at"),
)
_LAST = select(func.coalesce(func.max(changes.c.seq), 0))


def append_change(
    conn: Connection, document_id: int, revision: int, action: str, at: datetime
) -> None:
    """Write the next entry (one statement: the number is read and used by the same INSERT)."""
    conn.execute(
        _APPEND, {"document_id": document_id, "revision": revision, "action": action, "at": at}
    )


def last_sequence(conn: Connection) -> int:
    """The number of the last committed entry this transaction sees (0 when there is none)."""
    return conn.execute(_LAST).scalar_one()
