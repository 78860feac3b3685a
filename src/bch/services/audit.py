"""The append-only audit log: who did what, when, to which record and revision, with the SHA-256
of the document before and after. Entries are written in the transaction of the change they
describe; nothing updates or deletes them. The Secretariat reads them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from bch.services.cursors import decode_cursor, encode_cursor
from bch.services.documents import content_hash
from bch.services.errors import BadRequest, Forbidden
from bch.services.numbers import MAX_ID, number_from_token
from bch.services.policy import Principal
from bch.storage.rows import iso_utc, utcnow
from bch.storage.tables import audit_log


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
    conn.execute(
        insert(audit_log).values(
            at=utcnow(),
            actor=actor,
            action=action,
            record=record,
            revision=revision,
            before_sha256=content_hash(before) if before is not None else None,
            after_sha256=content_hash(after) if after is not None else None,
            detail=detail,
        )
    )


class AuditLog:
    def __init__(self, engine: Engine):
        self.engine = engine

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
        stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit + 1)
        if record:
            stmt = stmt.where(audit_log.c.record == record)
        if before is not None:
            stmt = stmt.where(audit_log.c.id < before)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(stmt)]
        nxt = encode_cursor({"before": rows[limit - 1]["id"]}) if len(rows) > limit else None
        out = []
        for r in rows[:limit]:
            out.append(
                {
                    "id": r["id"],
                    "at": iso_utc(r["at"]),
                    "actor": r["actor"],
                    "action": r["action"],
                    "record": r["record"],
                    "revision": r["revision"],
                    "beforeSha256": r["before_sha256"],
                    "afterSha256": r["after_sha256"],
                    "detail": r["detail"],
                }
            )
        return out, nxt
