"""The append-only audit log (table `audit_log`): entries are written in the transaction of the
change they describe; nothing updates or deletes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from bch.storage.rows import as_utc, utcnow
from bch.storage.tables import audit_log


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    record: str | None
    revision: int | None
    before_sha256: str | None
    after_sha256: str | None
    detail: dict[str, Any] | None


class AuditRepository:
    def write(
        self,
        conn: Connection,
        actor: str,
        action: str,
        *,
        record: str | None = None,
        revision: int | None = None,
        before_sha256: str | None = None,
        after_sha256: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        conn.execute(
            insert(audit_log).values(
                at=utcnow(),
                actor=actor,
                action=action,
                record=record,
                revision=revision,
                before_sha256=before_sha256,
                after_sha256=after_sha256,
                detail=detail,
            )
        )

    def entries(
        self, conn: Connection, *, record: str | None, before: int | None, limit: int
    ) -> list[AuditRow]:
        """Newest first: up to `limit` entries (of `record`, with an id below `before`)."""
        stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if record:
            stmt = stmt.where(audit_log.c.record == record)
        if before is not None:
            stmt = stmt.where(audit_log.c.id < before)
        out = []
        for r in conn.execute(stmt):
            m = dict(r._mapping)
            m["at"] = as_utc(m["at"])
            out.append(AuditRow(**m))
        return out
