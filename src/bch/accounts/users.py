"""Users and their role grants (audited), and the Principal a user acts as."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from bch.accounts.passwords import check_rule, hash_password
from bch.records.countries import country as lookup_country
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.services import audit
from bch.services.errors import BadRequest, Conflict, NotFound
from bch.services.permissions import COUNTRY_ROLES, ROLES
from bch.services.policy import Principal
from bch.storage.rows import utcnow
from bch.storage.tables import role_grants, users

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


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
class Grant:
    id: int
    role: str
    country: str | None
    schemas: list[str] | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "country": self.country, "schemas": self.schemas}


def normal_email(email: object) -> str:
    if not isinstance(email, str) or not _EMAIL.match(email.strip()) or len(email) > 254:
        raise BadRequest(
            "not an e-mail address",
            errors=[
                {"code": "Error.InvalidValue", "path": "email", "message": "expected name@host"}
            ],
        )
    return email.strip().lower()


def user_from(row) -> User:
    return User(**dict(row._mapping))


class UserDirectory:
    """Users and roles: reads and the audited writes (add, grant, revoke)."""

    def __init__(self, engine: Engine, registry: RealmRegistry):
        self.engine = engine
        self.registry = registry

    # -- reads ----------------------------------------------------------------------------------
    def by_email(self, conn: Connection, email: str) -> User | None:
        row = conn.execute(select(users).where(users.c.email == email.strip().lower())).first()
        return user_from(row) if row else None

    def by_id(self, conn: Connection, user_id: int) -> User | None:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
        return user_from(row) if row else None

    def grants(self, conn: Connection, user_id: int) -> list[Grant]:
        rows = conn.execute(
            select(role_grants)
            .where(role_grants.c.user_id == user_id, role_grants.c.revoked_at.is_(None))
            .order_by(role_grants.c.id)
        )
        return [Grant(r.id, r.role, r.country, r.schemas) for r in rows]

    def principal(self, conn: Connection, user: User, scope: str = "write") -> Principal:
        grants = self.grants(conn, user.id)
        roles = {(g.role, g.country) for g in grants} | {("user", None)}
        limits = {(g.role, g.country, s) for g in grants for s in (g.schemas or [])}
        # an unlimited grant of the same role and country lifts the limits
        unlimited = {(g.role, g.country) for g in grants if not g.schemas}
        limits = {x for x in limits if (x[0], x[1]) not in unlimited}
        return Principal(user.id, user.email, frozenset(roles), frozenset(limits), scope)

    def emails_with_role(self, conn: Connection, role: str, country: str | None) -> list[str]:
        stmt = (
            select(users.c.email)
            .join(role_grants, role_grants.c.user_id == users.c.id)
            .where(role_grants.c.role == role, role_grants.c.revoked_at.is_(None))
        )
        if country is not None:
            stmt = stmt.where(role_grants.c.country == country)
        return sorted({r.email for r in conn.execute(stmt)})

    def list(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = [user_from(r) for r in conn.execute(select(users).order_by(users.c.email))]
            return [
                {
                    "email": u.email,
                    "confirmed": u.confirmed_at is not None,
                    "roles": [g.as_dict() for g in self.grants(conn, u.id)],
                }
                for u in rows
            ]

    # -- writes ---------------------------------------------------------------------------------
    def create(
        self,
        conn: Connection,
        email: str,
        password: str | None,
        *,
        name: str | None = None,
        confirmed: bool,
    ) -> User:
        email = normal_email(email)
        if self.by_email(conn, email) is not None:
            raise Conflict(f"a user {email} exists already")
        values = {
            "email": email,
            "name": name,
            "password_hash": hash_password(check_rule(password)) if password else None,
            "created_at": utcnow(),
            "confirmed_at": utcnow() if confirmed else None,
            "failed_logins": 0,
        }
        user_id = conn.execute(insert(users).values(**values)).inserted_primary_key[0]
        return self.by_id(conn, user_id)  # type: ignore[return-value]

    def set_password(self, conn: Connection, user_id: int, password: str) -> None:
        conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(password_hash=hash_password(check_rule(password)), failed_logins=0)
        )

    def check_role(
        self, role: str, country: str | None, schemas: list[str] | None
    ) -> tuple[str | None, list[str] | None]:
        if role not in ROLES:
            raise BadRequest(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        if role in COUNTRY_ROLES:
            if not country or lookup_country(country) is None:
                raise BadRequest(f"the role {role} needs a country (ISO 3166 code or EU)")
            country = country.upper()
        elif country:
            raise BadRequest(f"the role {role} is not scoped to a country")
        if schemas:
            if role != "nau":
                raise BadRequest("only the nau role can be limited to record types")
            for s in schemas:
                try:
                    if not self.registry.record_type(s).is_national:
                        raise BadRequest(f"{s} is not a national record type")
                except UnknownSchema as exc:
                    raise BadRequest(str(exc)) from None
        return country, sorted(set(schemas)) if schemas else None

    def grant(
        self,
        conn: Connection,
        user: User,
        role: str,
        country: str | None = None,
        *,
        schemas: list[str] | None = None,
        by: str,
    ) -> Grant:
        country, schemas = self.check_role(role, country, schemas)
        for g in self.grants(conn, user.id):
            if (g.role, g.country, g.schemas) == (role, country, schemas):
                return g
        grant_id = conn.execute(
            insert(role_grants).values(
                user_id=user.id,
                role=role,
                country=country,
                schemas=schemas,
                granted_at=utcnow(),
                granted_by=by,
            )
        ).inserted_primary_key[0]
        audit.write(
            conn,
            by,
            "role.grant",
            detail={"user": user.email, "role": role, "country": country, "schemas": schemas},
        )
        return Grant(grant_id, role, country, schemas)

    def revoke(
        self, conn: Connection, user: User, role: str, country: str | None = None, *, by: str
    ) -> int:
        country = country.upper() if country else None
        hits = [g for g in self.grants(conn, user.id) if (g.role, g.country) == (role, country)]
        if not hits:
            raise NotFound(
                f"{user.email} has no role {role}" + (f" for {country}" if country else "")
            )
        conn.execute(
            update(role_grants)
            .where(role_grants.c.id.in_([g.id for g in hits]))
            .values(revoked_at=utcnow(), revoked_by=by)
        )
        audit.write(
            conn,
            by,
            "role.revoke",
            detail={"user": user.email, "role": role, "country": country},
        )
        return len(hits)
