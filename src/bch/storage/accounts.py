"""People: users (table `users`) and their role grants (`role_grants`; revoked grants stay)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from bch.storage.rows import as_utc
from bch.storage.tables import role_grants, users


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str | None
    password_hash: str | None
    created_at: datetime
    confirmed_at: datetime | None
    failed_logins: int
    locked_until: datetime | None


@dataclass(frozen=True)
class GrantRow:
    id: int
    role: str
    country: str | None
    schemas: list[str] | None


def _user(row) -> User:
    m = dict(row._mapping)
    for key in ("created_at", "confirmed_at", "locked_until"):
        m[key] = as_utc(m[key])
    return User(**m)


class UserRepository:
    def by_email(self, conn: Connection, email: str) -> User | None:
        row = conn.execute(select(users).where(users.c.email == email)).first()
        return _user(row) if row else None

    def by_id(self, conn: Connection, user_id: int) -> User | None:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def all(self, conn: Connection) -> list[User]:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.email))]

    def create(
        self,
        conn: Connection,
        *,
        email: str,
        name: str | None,
        password_hash: str | None,
        at: datetime,
        confirmed: bool,
    ) -> User:
        user_id = conn.execute(
            insert(users).values(
                email=email,
                name=name,
                password_hash=password_hash,
                created_at=at,
                confirmed_at=at if confirmed else None,
                failed_logins=0,
            )
        ).inserted_primary_key[0]
        user = self.by_id(conn, user_id)
        assert user is not None
        return user

    def set_password(self, conn: Connection, user_id: int, password_hash: str) -> None:
        conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(password_hash=password_hash, failed_logins=0)
        )

    def confirm(self, conn: Connection, user_id: int, at: datetime) -> None:
        conn.execute(update(users).where(users.c.id == user_id).values(confirmed_at=at))

    # -- role grants ----------------------------------------------------------------------------
    def grants(self, conn: Connection, user_id: int) -> list[GrantRow]:
        """The user's grants in force, oldest first."""
        rows = conn.execute(
            select(role_grants)
            .where(role_grants.c.user_id == user_id, role_grants.c.revoked_at.is_(None))
            .order_by(role_grants.c.id)
        )
        return [GrantRow(r.id, r.role, r.country, r.schemas) for r in rows]

    def emails_with_role(self, conn: Connection, role: str, country: str | None) -> list[str]:
        """Addresses of the users holding `role` (for `country`, when given), sorted."""
        stmt = (
            select(users.c.email)
            .join(role_grants, role_grants.c.user_id == users.c.id)
            .where(role_grants.c.role == role, role_grants.c.revoked_at.is_(None))
        )
        if country is not None:
            stmt = stmt.where(role_grants.c.country == country)
        return sorted({r.email for r in conn.execute(stmt)})

    def add_grant(
        self,
        conn: Connection,
        *,
        user_id: int,
        role: str,
        country: str | None,
        schemas: list[str] | None,
        at: datetime,
        by: str,
    ) -> int:
        return conn.execute(
            insert(role_grants).values(
                user_id=user_id,
                role=role,
                country=country,
                schemas=schemas,
                granted_at=at,
                granted_by=by,
            )
        ).inserted_primary_key[0]

    def revoke_grants(
        self, conn: Connection, grant_ids: Sequence[int], *, at: datetime, by: str
    ) -> None:
        conn.execute(
            update(role_grants)
            .where(role_grants.c.id.in_(list(grant_ids)))
            .values(revoked_at=at, revoked_by=by)
        )
