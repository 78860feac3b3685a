"""Users and their role grants (audited), and the Principal a user acts as. The reads and
writes take the caller's connection (a unit of work's `tx.conn` for writes)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bch.records.countries import country as lookup_country
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.services import audit
from bch.services.credentials import check_rule, hash_password
from bch.services.errors import BadRequest, Conflict, NotFound
from bch.services.permissions import COUNTRY_ROLES, ROLES
from bch.services.policy import Principal
from bch.storage.accounts import GrantRow, User, UserRepository
from bch.storage.database import Connection, Database
from bch.storage.rows import utcnow

__all__ = ["Grant", "User", "UserDirectory", "normal_email"]

# no spaces and no control characters (a NUL cannot even be stored by PostgreSQL); also the
# pattern of `email` in the OpenAPI document
_ADDR = r"[^@\s\x00-\x1f\x7f]"
EMAIL_PATTERN = rf"^{_ADDR}{{1,64}}@{_ADDR}+\.{_ADDR}{{2,}}$"
_EMAIL = re.compile(EMAIL_PATTERN)


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


def _grant(g: GrantRow) -> Grant:
    return Grant(g.id, g.role, g.country, g.schemas)


class UserDirectory:
    """Users and roles: reads and the audited writes (add, grant, revoke)."""

    def __init__(self, db: Database, users: UserRepository, registry: RealmRegistry):
        self.db = db
        self.users = users
        self.registry = registry

    # -- reads ----------------------------------------------------------------------------------
    def by_email(self, conn: Connection, email: str) -> User | None:
        return self.users.by_email(conn, email.strip().lower())

    def by_id(self, conn: Connection, user_id: int) -> User | None:
        return self.users.by_id(conn, user_id)

    def grants(self, conn: Connection, user_id: int) -> list[Grant]:
        return [_grant(g) for g in self.users.grants(conn, user_id)]

    def principal(self, conn: Connection, user: User, scope: str = "write") -> Principal:
        grants = self.grants(conn, user.id)
        roles = {(g.role, g.country) for g in grants} | {("user", None)}
        limits = {(g.role, g.country, s) for g in grants for s in (g.schemas or [])}
        # an unlimited grant of the same role and country lifts the limits
        unlimited = {(g.role, g.country) for g in grants if not g.schemas}
        limits = {x for x in limits if (x[0], x[1]) not in unlimited}
        return Principal(user.id, user.email, frozenset(roles), frozenset(limits), scope)

    def emails_with_role(self, conn: Connection, role: str, country: str | None) -> list[str]:
        return self.users.emails_with_role(conn, role, country)

    def list(self) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            rows = self.users.all(conn)
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
        return self.users.create(
            conn,
            email=email,
            name=name,
            password_hash=hash_password(check_rule(password)) if password else None,
            at=utcnow(),
            confirmed=confirmed,
        )

    def set_password(self, conn: Connection, user_id: int, password: str) -> None:
        self.users.set_password(conn, user_id, hash_password(check_rule(password)))

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
        grant_id = self.users.add_grant(
            conn,
            user_id=user.id,
            role=role,
            country=country,
            schemas=schemas,
            at=utcnow(),
            by=by,
        )
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
        self.users.revoke_grants(conn, [g.id for g in hits], at=utcnow(), by=by)
        audit.write(
            conn,
            by,
            "role.revoke",
            detail={"user": user.email, "role": role, "country": country},
        )
        return len(hits)
