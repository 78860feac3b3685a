"""What proves who a caller is: personal API tokens (`api_tokens`), web sessions (`sessions`)
and the one-time codes sent by mail (`account_tickets`). Only SHA-256 digests of the secrets
are stored."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from bch.storage.database import Database, DatabaseError
from bch.storage.rows import as_utc
from bch.storage.tables import account_tickets, api_tokens, sessions


@dataclass(frozen=True)
class TokenRow:
    id: int
    user_id: int
    token_hash: str
    name: str
    scope: str  # read | write
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class SessionRow:
    token_hash: str
    user_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class TicketRow:
    token_hash: str
    user_id: int
    purpose: str  # confirm | reset
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


def _row(cls, row, *times: str):
    m = dict(row._mapping)
    for key in times:
        m[key] = as_utc(m[key])
    return cls(**m)


def _token(row) -> TokenRow:
    return _row(TokenRow, row, "created_at", "expires_at", "last_used_at", "revoked_at")


class TokenRepository:
    def add(
        self,
        conn: Connection,
        *,
        user_id: int,
        token_hash: str,
        name: str,
        scope: str,
        at: datetime,
        expires_at: datetime,
    ) -> int:
        return conn.execute(
            insert(api_tokens).values(
                user_id=user_id,
                token_hash=token_hash,
                name=name,
                scope=scope,
                created_at=at,
                expires_at=expires_at,
            )
        ).inserted_primary_key[0]

    def by_hash(self, conn: Connection, token_hash: str) -> TokenRow | None:
        row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return _token(row) if row else None

    def of_user(self, conn: Connection, user_id: int) -> list[TokenRow]:
        rows = conn.execute(
            select(api_tokens).where(api_tokens.c.user_id == user_id).order_by(api_tokens.c.id)
        )
        return [_token(r) for r in rows]

    def revoke(
        self, conn: Connection, token_id: int, *, user_id: int | None, at: datetime
    ) -> str | None:
        """Revoke one active token of `user_id`; its digest, or None when there was none."""
        token_hash = conn.execute(
            select(api_tokens.c.token_hash).where(api_tokens.c.id == token_id)
        ).scalar_one_or_none()
        done = conn.execute(
            update(api_tokens)
            .where(
                api_tokens.c.id == token_id,
                api_tokens.c.user_id == user_id,
                api_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        ).rowcount
        return token_hash if done else None

    def note_uses(self, db: Database, uses: Mapping[int, datetime]) -> None:
        """Write when tokens were last used (never moving a time backwards), in one short
        transaction of its own. Raises DatabaseError when the database refuses."""
        try:
            with db.writing(changes=False) as conn:
                for token_id, at in uses.items():
                    conn.execute(
                        update(api_tokens)
                        .where(
                            api_tokens.c.id == token_id,
                            or_(
                                api_tokens.c.last_used_at.is_(None),
                                api_tokens.c.last_used_at < at,
                            ),
                        )
                        .values(last_used_at=at)
                    )
        except SQLAlchemyError as exc:
            raise DatabaseError(str(exc)) from exc


class SessionRepository:
    def start(
        self,
        conn: Connection,
        *,
        token_hash: str,
        user_id: int,
        csrf: str,
        at: datetime,
        expires_at: datetime,
    ) -> None:
        """A new session; sessions expired by `at` are removed on the way."""
        conn.execute(delete(sessions).where(sessions.c.expires_at < at))
        conn.execute(
            insert(sessions).values(
                token_hash=token_hash,
                user_id=user_id,
                csrf=csrf,
                created_at=at,
                expires_at=expires_at,
            )
        )

    def by_hash(self, conn: Connection, token_hash: str) -> SessionRow | None:
        row = conn.execute(select(sessions).where(sessions.c.token_hash == token_hash)).first()
        return _row(SessionRow, row, "created_at", "expires_at") if row else None

    def end(self, conn: Connection, token_hash: str) -> None:
        conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))

    def end_all(self, conn: Connection, user_id: int) -> None:
        conn.execute(delete(sessions).where(sessions.c.user_id == user_id))


class TicketRepository:
    def add(
        self,
        conn: Connection,
        *,
        token_hash: str,
        user_id: int,
        purpose: str,
        at: datetime,
        expires_at: datetime,
    ) -> None:
        conn.execute(
            insert(account_tickets).values(
                token_hash=token_hash,
                user_id=user_id,
                purpose=purpose,
                created_at=at,
                expires_at=expires_at,
            )
        )

    def by_hash(self, conn: Connection, token_hash: str) -> TicketRow | None:
        row = conn.execute(
            select(account_tickets).where(account_tickets.c.token_hash == token_hash)
        ).first()
        return _row(TicketRow, row, "created_at", "expires_at", "used_at") if row else None

    def use(self, conn: Connection, token_hash: str, at: datetime) -> None:
        conn.execute(
            update(account_tickets)
            .where(account_tickets.c.token_hash == token_hash)
            .values(used_at=at)
        )
