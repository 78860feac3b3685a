"""The append-only audit log: who did what, when, to which record and revision, with the SHA-256
of the document before and after. Entries are written in the transaction of the change they
describe (`write(tx.conn, ...)` inside the unit of work); nothing updates or deletes them. The
Secretariat reads them."""

from __future__ import annotations

from typing import Any

from bch.services.cursors import decode_cursor, encode_cursor
from bch.services.documents import content_hash
from bch.services.errors import BadRequest, Forbidden
from bch.services.numbers import MAX_ID, number_from_token
from bch.services.policy import Principal
from bch.storage.audit import AuditRepository
from bch.storage.database import Connection, Database
from bch.storage.rows import iso_utc

_LOG = AuditRepository()


def write(
    conn: Connection,
    actor: str,
    action: str,
    *,
    record: str | None = None,
    revision: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """One entry, in the write transaction `conn` (a unit of work's `tx.conn`)."""
    _LOG.write(
        conn,
        actor,
        action,
        record=record,
        revision=revision,
        before_sha256=content_hash(before) if before is not None else None,
        after_sha256=content_hash(after) if after is not None else None,
        detail=detail,
    )


class AuditLog:
    def __init__(self, db: Database, log: AuditRepository | None = None):
        self.db = db
        self.log = log or _LOG

    def entries(
        self,
        principal: Principal,
        *,
        record: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; the Secretariat only."""
        if not principal.has_role("secretariat"):
            raise Forbidden("the audit log is read by the Secretariat")
        if not 1 <= limit <= 1000:
            raise BadRequest("limit must be between 1 and 1000")
        position = decode_cursor(cursor)
        before = None
        if position is not None:
            before = number_from_token(position.get("before"), "cursor", low=1, high=MAX_ID)
        with self.db.reading() as conn:
            rows = self.log.entries(conn, record=record, before=before, limit=limit + 1)
        nxt = encode_cursor({"before": rows[limit - 1].id}) if len(rows) > limit else None
        return [
            {
                "id": r.id,
                "at": iso_utc(r.at),
                "actor": r.actor,
                "action": r.action,
                "record": r.record,
                "revision": r.revision,
                "beforeSha256": r.before_sha256,
                "afterSha256": r.after_sha256,
                "detail": r.detail,
            }
            for r in rows[:limit]
        ], nxt
