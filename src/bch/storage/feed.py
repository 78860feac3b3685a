"""The change feed read: entries of the change sequence after a position, with the state of
their record, in sequence order (bch.storage.sequence writes them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from bch.storage.rows import as_utc
from bch.storage.scope import ReadScope, scope_filter
from bch.storage.sequence import last_sequence
from bch.storage.tables import changes, documents

_COLUMNS = (
    changes.c.seq,
    changes.c.action,
    changes.c.revision,
    changes.c.at,
    documents.c.id,
    documents.c.identifier,
    documents.c.realm,
    documents.c.schema,
    documents.c.short_code,
    documents.c.owner,
    documents.c.deleted_at,
    documents.c.delete_reason,
    documents.c.latest_revision,
)


@dataclass(frozen=True)
class ChangeRow:
    """One publish or deletion, with the current state of its record."""

    seq: int
    action: str  # publish | delete
    revision: int  # the revision published, or the latest one when deleted
    at: datetime
    id: int
    identifier: str
    realm: str
    schema: str
    short_code: str
    owner: str
    deleted_at: datetime | None  # the record's state now (a later publish clears it)
    delete_reason: str | None
    latest_revision: int


class ChangeRepository:
    def page(
        self, conn: Connection, *, after: int, limit: int, scope: ReadScope
    ) -> list[ChangeRow]:
        """Up to `limit` entries after sequence number `after` on records in `scope`
        (deleted records included: the feed announces deletions)."""
        stmt = (
            select(*_COLUMNS)
            .join(documents, documents.c.id == changes.c.document_id)
            .where(changes.c.seq > after, scope_filter(scope, live=False))
            .order_by(changes.c.seq)
            .limit(limit)
        )
        out = []
        for r in conn.execute(stmt):
            m = dict(r._mapping)
            m["at"] = as_utc(m["at"])
            m["deleted_at"] = as_utc(m["deleted_at"])
            out.append(ChangeRow(**m))
        return out

    def last_sequence(self, conn: Connection) -> int:
        return last_sequence(conn)
