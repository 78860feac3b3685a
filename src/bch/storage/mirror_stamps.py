"""A national node's copy carries the central's times and warnings (issue 12).

Whatever way a mirrored revision was written on the node (a bootstrap batch, a revision from
the change feed), its rows carry, in the same transaction, what the central says of it (a record
new to the node is written with it, bch.storage.bulk.bulk_publish `stamps`; the others are
stamped here afterwards): the record's createdAt, the revision's publishedAt (which is also the
record's updatedAt while that revision is its latest and it is not deleted), and the
validation warnings the central computed at publish. A deletion is stamped with the central's
time of the deletion. Pages, the API, the feeds, OAI-PMH datestamps and the v2013 API all read
these columns, so they show the central's values, not the moment the node copied the record.

A stamp changes only the revision it names: a later revision already here keeps its own times
(replaying a stamp is harmless)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, update

from bch.storage.tables import changes, documents, revisions
from bch.storage.tables_base import UtcDateTime


@dataclass(frozen=True)
class CentralStamp:
    """What the central says of one revision it published (None: the central did not say)."""

    document_id: int
    revision: int
    created_at: datetime | None  # the record's first publish on the central
    published_at: datetime | None  # this revision's publish on the central
    warnings: list[dict[str, Any]] | None = None  # the central's validation warnings


def _param(name: str):
    return bindparam(name, type_=UtcDateTime)


def _at_revision(*, deleted: bool):
    """An UPDATE of record :d while :r is its latest revision, live or deleted."""
    state = documents.c.deleted_at.is_not(None) if deleted else documents.c.deleted_at.is_(None)
    return update(documents).where(
        documents.c.id == bindparam("d"), documents.c.latest_revision == bindparam("r"), state
    )


_DOCUMENT = _at_revision(deleted=False).values(
    created_at=func.coalesce(_param("c"), documents.c.created_at),
    updated_at=func.coalesce(_param("p"), documents.c.updated_at),
)
_REVISION = (
    update(revisions)
    .where(revisions.c.document_id == bindparam("d"), revisions.c.revision == bindparam("r"))
    .values(created_at=_param("p"))
)
_WARNINGS = (
    update(revisions)
    .where(revisions.c.document_id == bindparam("d"), revisions.c.revision == bindparam("r"))
    .values(warnings=bindparam("w", type_=revisions.c.warnings.type))
)
_CHANGE = (
    update(changes)
    .where(
        and_(
            changes.c.document_id == bindparam("d"),
            changes.c.revision == bindparam("r"),
            changes.c.action == bindparam("a"),
        )
    )
    .values(at=_param("p"))
)


def stamp_publishes(conn: Connection, stamps: Sequence[CentralStamp]) -> None:
    """Give mirrored revisions the central's times and warnings (a few statements per batch)."""
    if not stamps:
        return
    params = [
        {"d": s.document_id, "r": s.revision, "c": s.created_at, "p": s.published_at}
        for s in stamps
    ]
    conn.execute(_DOCUMENT, params)
    timed = [{**p, "a": "publish"} for p in params if p["p"] is not None]
    if timed:
        conn.execute(_REVISION, timed)
        conn.execute(_CHANGE, timed)
    warned = [
        {"d": s.document_id, "r": s.revision, "w": s.warnings}
        for s in stamps
        if s.warnings is not None
    ]
    if warned:
        conn.execute(_WARNINGS, warned)


_DELETED = _at_revision(deleted=True).values(deleted_at=_param("p"), updated_at=_param("p"))


def stamp_deletion(conn: Connection, document_id: int, revision: int, at: datetime) -> None:
    """Give a mirrored deletion (the tombstone at the central's `revision`) the central's time."""
    params = {"d": document_id, "r": revision, "p": at, "a": "delete"}
    conn.execute(_DELETED, params)
    conn.execute(_CHANGE, params)
