"""Public consultations and their comments (tables `consultations`, `consultation_comments`;
issue 14). Rows are plain dicts with UTC datetimes; the service shapes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from bch.storage.database import Connection, Database
from bch.storage.rows import as_utc
from bch.storage.tables_participation import consultation_comments, consultations

_WHEN_C = ("opens_at", "closes_at", "created_at", "closed_at", "responded_at")
_WHEN_K = ("created_at", "moderated_at")


def plain(row: Any, when: tuple[str, ...]) -> dict[str, Any]:
    """A row as a dict, its datetimes in UTC (SQLite hands them back naive)."""
    out = dict(row._mapping)
    for key in when:
        out[key] = as_utc(out.get(key))
    return out


class ConsultationRepository:
    def __init__(self, db: Database):
        self.db = db

    def reading(self) -> Connection:
        return self.db.reading()

    # -- consultations ------------------------------------------------------------------------
    def add(self, conn: Connection, values: dict[str, Any]) -> None:
        conn.execute(insert(consultations).values(**values))

    def add_if_absent(self, conn: Connection, values: dict[str, Any]) -> bool:
        """Insert unless a consultation with this id exists (ON CONFLICT DO NOTHING: a server
        seeding at the same moment waits for the other's row, then leaves it). True: added."""
        q = self.db.dialect.insert(consultations).values(**values)
        q = q.on_conflict_do_nothing(index_elements=["id"]).returning(consultations.c.id)
        return conn.execute(q).first() is not None  # (psycopg's rowcount here is -1)

    def change(self, conn: Connection, ident: str, **values: Any) -> None:
        conn.execute(update(consultations).where(consultations.c.id == ident).values(**values))

    def get(self, conn: Connection, ident: str, *, lock: bool = False) -> dict[str, Any] | None:
        q = select(consultations).where(consultations.c.id == ident)
        row = conn.execute(q.with_for_update() if lock else q).first()
        return plain(row, _WHEN_C) if row else None

    def listing(
        self, conn: Connection, *, country: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        q = select(consultations).order_by(consultations.c.closes_at.desc(), consultations.c.id)
        if country:
            q = q.where(consultations.c.country == country)
        return [plain(r, _WHEN_C) for r in conn.execute(q.limit(limit))]

    def for_decision(self, conn: Connection, identifiers: list[str]) -> list[dict[str, Any]]:
        q = select(consultations).where(consultations.c.decision.in_(identifiers))
        return [plain(r, _WHEN_C) for r in conn.execute(q)]

    def due(self, conn: Connection, now: datetime) -> list[str]:
        """Consultations past their deadline that no job has closed yet."""
        q = select(consultations.c.id).where(
            consultations.c.closed_at.is_(None), consultations.c.closes_at <= now
        )
        return [r.id for r in conn.execute(q.order_by(consultations.c.id))]

    def ids_with_source(self, conn: Connection) -> set[str]:
        q = select(consultations.c.id).where(consultations.c.source.is_not(None))
        return {r.id for r in conn.execute(q)}

    # -- comments -----------------------------------------------------------------------------
    def add_comment(self, conn: Connection, values: dict[str, Any]) -> int:
        result = conn.execute(
            insert(consultation_comments).values(**values).returning(consultation_comments.c.id)
        )
        return int(result.scalar_one())

    def comment(self, conn: Connection, comment_id: int) -> dict[str, Any] | None:
        q = select(consultation_comments).where(consultation_comments.c.id == comment_id)
        row = conn.execute(q).first()
        return plain(row, _WHEN_K) if row else None

    def comment_by_token(self, conn: Connection, token_sha256: str) -> dict[str, Any] | None:
        q = select(consultation_comments).where(
            consultation_comments.c.token_sha256 == token_sha256
        )
        row = conn.execute(q).first()
        return plain(row, _WHEN_K) if row else None

    def change_comment(self, conn: Connection, comment_id: int, **values: Any) -> None:
        conn.execute(
            update(consultation_comments)
            .where(consultation_comments.c.id == comment_id)
            .values(**values)
        )

    def comments(
        self,
        conn: Connection,
        consultation_id: str,
        statuses: tuple[str, ...] | None = None,
        *,
        after: int = 0,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """In the order they were sent (by id), after the comment `after` (keyset)."""
        c = consultation_comments.c
        q = select(consultation_comments).where(c.consultation_id == consultation_id, c.id > after)
        if statuses is not None:
            q = q.where(c.status.in_(statuses))
        q = q.order_by(c.id)
        if limit is not None:
            q = q.limit(limit)
        return [plain(r, _WHEN_K) for r in conn.execute(q)]

    def counts(self, conn: Connection, consultation_id: str) -> dict[str, int]:
        q = (
            select(consultation_comments.c.status, func.count())
            .where(consultation_comments.c.consultation_id == consultation_id)
            .group_by(consultation_comments.c.status)
        )
        return {r[0]: int(r[1]) for r in conn.execute(q)}

    def comments_of(
        self, conn: Connection, *, user_id: int | None = None, email: str | None = None
    ) -> list[dict[str, Any]]:
        """A person's comments: by account, or by the e-mail address they gave."""
        c = consultation_comments.c
        if user_id is not None and email:
            where = (c.user_id == user_id) | (c.email == email)
        elif user_id is not None:
            where = c.user_id == user_id
        else:
            where = c.email == email
        q = select(consultation_comments).where(where).order_by(c.id)
        return [plain(r, _WHEN_K) for r in conn.execute(q)]
