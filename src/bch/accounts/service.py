"""The account service: registration with e-mail confirmation, login with back-off, password
reset, personal API tokens (shown once, hashed, scoped, expiring, revocable) and web sessions
with a CSRF secret. Every surface (API, web pages, CLI) calls this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from bch.accounts.mail import Mailer
from bch.accounts.passwords import check_rule, verify_password
from bch.accounts.ratelimit import RateLimiter
from bch.accounts.secrets import digest, new_token, same
from bch.accounts.throttle import LoginThrottle
from bch.accounts.token_cache import ValidTokens
from bch.accounts.usage import UsageRecorder
from bch.accounts.users import User, UserDirectory, normal_email
from bch.config import public_url  # links in mails
from bch.records.realms import RealmRegistry
from bch.services import audit
from bch.services.errors import BadRequest, Forbidden, NotFound, Unauthorized
from bch.services.policy import Principal
from bch.storage.rows import as_utc, iso_utc, utcnow
from bch.storage.tables import account_tickets, api_tokens, sessions, users

TOKEN_PREFIX = "bch_"
SESSION_HOURS = 12
TICKET_HOURS = 24
MAX_TOKEN_DAYS = 366


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str  # shown once
    scope: str
    expires_at: datetime


@dataclass(frozen=True)
class Session:
    token: str  # the cookie value
    csrf: str
    principal: Principal
    expires_at: datetime


class AccountService:
    def __init__(
        self,
        engine: Engine,
        registry: RealmRegistry,
        mailer: Mailer | None = None,
        limiter: RateLimiter | None = None,
    ):
        self.engine = engine
        self.users = UserDirectory(engine, registry)
        self.mailer = mailer or Mailer()
        self.limiter = limiter or RateLimiter()
        self.throttle = LoginThrottle(engine)
        self.valid_tokens = ValidTokens(self._live_token_expiry)
        self.usage = UsageRecorder(engine)

    # -- people ---------------------------------------------------------------------------------
    def add_user(
        self,
        email: str,
        *,
        role: str = "user",
        country: str | None = None,
        password: str | None = None,
        schemas: list[str] | None = None,
        by: str = "cli",
    ) -> User:
        """Create a confirmed user with a role (operators: `bch user add`). An existing user
        gets the role added (and the password set when given)."""
        self.users.check_role(role, country, schemas)
        with self.engine.begin() as conn:
            user = self.users.by_email(conn, normal_email(email))
            if user is None:
                user = self.users.create(conn, email, password, confirmed=True)
                audit.write(conn, by, "user.add", detail={"user": user.email})
            elif password:
                self.users.set_password(conn, user.id, password)
            if role != "user":
                self.users.grant(conn, user, role, country, schemas=schemas, by=by)
            return user

    def grant(self, email: str, role: str, country: str | None, *, schemas=None, by: str) -> None:
        with self.engine.begin() as conn:
            user = self._existing(conn, email)
            self.users.grant(conn, user, role, country, schemas=schemas, by=by)

    def revoke(self, email: str, role: str, country: str | None, *, by: str) -> int:
        with self.engine.begin() as conn:
            return self.users.revoke(conn, self._existing(conn, email), role, country, by=by)

    def _existing(self, conn, email: str) -> User:
        user = self.users.by_email(conn, normal_email(email))
        if user is None:
            raise NotFound(f"no user {email}")
        return user

    # -- registration and password reset -------------------------------------------------------
    def register(self, email: str, password: str, *, name: str | None = None, ip: str = "") -> None:
        """Create an unconfirmed account and mail the confirmation link. The answer is the same
        whether the address was known or not (no account discovery)."""
        self.limiter.hit("register", ip or "-")
        email = normal_email(email)
        check_rule(password)
        with self.engine.begin() as conn:
            existing = self.users.by_email(conn, email)
            if existing is not None:
                self.mailer.send(
                    email,
                    "Biosafety Clearing-House: you already have an account",
                    "Someone (perhaps you) tried to register this address again. If you forgot "
                    f"your password, reset it at {public_url()}/api/v1/auth/password-reset.",
                )
                return
            user = self.users.create(conn, email, password, name=name, confirmed=False)
            token = self._ticket(conn, user.id, "confirm")
            audit.write(conn, email, "user.register", detail={"user": email})
        self.mailer.send(
            email,
            "Biosafety Clearing-House: confirm your e-mail address",
            "Confirm your registration with this code or link (valid 24 hours):\n\n"
            f"{token}\n{public_url()}/api/v1/auth/confirm?token={token}\n",
        )

    def confirm(self, token: str) -> User:
        with self.engine.begin() as conn:
            user_id = self._use_ticket(conn, token, "confirm")
            conn.execute(update(users).where(users.c.id == user_id).values(confirmed_at=utcnow()))
            user = self.users.by_id(conn, user_id)
            assert user is not None
            audit.write(conn, user.email, "user.confirm", detail={"user": user.email})
            return user

    def request_password_reset(self, email: str, *, ip: str = "") -> None:
        self.limiter.hit("reset", ip or "-")
        self.limiter.hit("reset", normal_email(email))
        with self.engine.begin() as conn:
            user = self.users.by_email(conn, normal_email(email))
            if user is None:
                return
            token = self._ticket(conn, user.id, "reset")
        self.mailer.send(
            user.email,
            "Biosafety Clearing-House: reset your password",
            "Choose a new password with this code (valid 24 hours):\n\n"
            f"{token}\n\nIf you did not ask for this, ignore this mail.",
        )

    def reset_password(self, token: str, password: str) -> None:
        check_rule(password)
        with self.engine.begin() as conn:
            user_id = self._use_ticket(conn, token, "reset")
            self.users.set_password(conn, user_id, password)
            # a reset also confirms the address and ends every session
            conn.execute(update(users).where(users.c.id == user_id).values(confirmed_at=utcnow()))
            conn.execute(delete(sessions).where(sessions.c.user_id == user_id))
            user = self.users.by_id(conn, user_id)
            audit.write(conn, user.email if user else "?", "user.password_reset")

    def _ticket(self, conn, user_id: int, purpose: str) -> str:
        token = new_token()
        now = utcnow()
        conn.execute(
            insert(account_tickets).values(
                token_hash=digest(token),
                user_id=user_id,
                purpose=purpose,
                created_at=now,
                expires_at=now + timedelta(hours=TICKET_HOURS),
            )
        )
        return token

    def _use_ticket(self, conn, token: str, purpose: str) -> int:
        row = conn.execute(
            select(account_tickets).where(account_tickets.c.token_hash == digest(str(token)))
        ).first()
        if (
            row is None
            or row.purpose != purpose
            or row.used_at is not None
            or as_utc(row.expires_at) < utcnow()
        ):
            raise BadRequest("the code is unknown, used or expired")
        conn.execute(
            update(account_tickets)
            .where(account_tickets.c.token_hash == row.token_hash)
            .values(used_at=utcnow())
        )
        return row.user_id

    # -- login ----------------------------------------------------------------------------------
    def login(self, email: object, password: object, *, ip: str = "") -> User:
        """Check e-mail and password. Failures back off per (account, address) and per address,
        never per account alone (accounts/throttle.py): a guesser cannot lock the owner out. The
        owner is told by mail when their account collects failed sign-ins."""
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            raise BadRequest(
                "give an e-mail and a password",
                errors=[
                    {"code": "Error.Mandatory", "path": "email", "message": "e-mail and password"}
                ],
            )
        email, address = email.strip().lower(), ip or "-"
        self.limiter.hit("login", address)
        known_pair = self.throttle.check(email, address)
        with self.engine.connect() as conn:
            user = self.users.by_email(conn, email)
        # the same work whether the address is known or not
        if not verify_password(user.password_hash if user else None, password) or user is None:
            failure = self.throttle.failed(email, address)
            if user is not None and failure.notify:
                self._tell_owner(user, failure.account_failures, address)
            raise Unauthorized("wrong e-mail or password")
        if known_pair:
            self.throttle.succeeded(email, address)
        if user.confirmed_at is None:
            raise Forbidden("confirm your e-mail address first (see the mail we sent)")
        return user

    def _tell_owner(self, user: User, failures: int, address: str) -> None:
        with self.engine.begin() as conn:
            audit.write(
                conn, user.email, "user.login_failures",
                detail={"user": user.email, "failures": failures, "address": address},
            )  # fmt: skip
        self.mailer.send(
            user.email,
            "Biosafety Clearing-House: failed sign-ins to your account",
            f"There were {failures} failed attempts to sign in to your account {user.email} "
            f"recently, the latest from the address {address}.\n\n"
            "Your account is not locked: you can still sign in with your password. Further "
            "attempts from the addresses that failed are slowed down.\n\n"
            "If this was you, nothing needs doing. If not, someone may be guessing your "
            "password: if it could be known or guessed, choose a new one at "
            f"{public_url()}/api/v1/auth/password-reset.\n",
        )

    # -- API tokens -----------------------------------------------------------------------------
    def issue_token(
        self, user: User, *, name: str = "api", scope: str = "write", days: int = 30
    ) -> IssuedToken:
        if scope not in ("read", "write"):
            raise BadRequest("scope is read or write")
        if not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
            raise BadRequest(f"days must be between 1 and {MAX_TOKEN_DAYS}")
        token = new_token(TOKEN_PREFIX)
        now = utcnow()
        expires = now + timedelta(days=days)
        with self.engine.begin() as conn:
            token_id = conn.execute(
                insert(api_tokens).values(
                    user_id=user.id,
                    token_hash=digest(token),
                    name=str(name)[:100] or "api",
                    scope=scope,
                    created_at=now,
                    expires_at=expires,
                )
            ).inserted_primary_key[0]
        self.valid_tokens.remember(digest(token), expires)
        return IssuedToken(token_id, token, scope, expires)

    def tokens(self, principal: Principal) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(api_tokens)
                .where(api_tokens.c.user_id == principal.user_id)
                .order_by(api_tokens.c.id)
            )
            return [
                {
                    "id": r.id,
                    "name": r.name,
                    "scope": r.scope,
                    "createdAt": iso_utc(r.created_at),
                    "expiresAt": iso_utc(r.expires_at),
                    "lastUsedAt": iso_utc(r.last_used_at),
                    "revoked": r.revoked_at is not None,
                }
                for r in rows
            ]

    def revoke_token(self, principal: Principal, token_id: int) -> None:
        with self.engine.begin() as conn:
            revoked = conn.execute(
                select(api_tokens.c.token_hash).where(api_tokens.c.id == token_id)
            ).scalar_one_or_none()
            done = conn.execute(
                update(api_tokens)
                .where(
                    api_tokens.c.id == token_id,
                    api_tokens.c.user_id == principal.user_id,
                    api_tokens.c.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow())
            ).rowcount
        if not done:
            raise NotFound(f"no active token {token_id} of yours")
        self.valid_tokens.forget(revoked)

    def _live_token_expiry(self, token_hash: str) -> datetime | None:
        """When the token with this digest expires; None when unknown, revoked or expired."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_tokens.c.expires_at, api_tokens.c.revoked_at).where(
                    api_tokens.c.token_hash == token_hash
                )
            ).first()
        if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= utcnow():
            return None
        return as_utc(row.expires_at)

    def principal_from_token(self, token: str) -> Principal:
        """The principal of an API token. Only reads: the token's last_used_at is written
        later, at most once a minute (accounts/usage.py)."""
        now = utcnow()
        token_hash = digest(token)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_tokens).where(api_tokens.c.token_hash == token_hash)
            ).first()
            if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
                self.valid_tokens.remember(token_hash, None)
                raise Unauthorized("the token is unknown, revoked or expired")
            user = self.users.by_id(conn, row.user_id)
            assert user is not None
            principal = self.users.principal(conn, user, row.scope)
        self.valid_tokens.remember(token_hash, as_utc(row.expires_at))
        self.usage.used(row.id, now, as_utc(row.last_used_at))
        return principal

    # -- web sessions ---------------------------------------------------------------------------
    def start_session(self, user: User) -> Session:
        token, csrf = new_token(), new_token()
        now = utcnow()
        expires = now + timedelta(hours=SESSION_HOURS)
        with self.engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.expires_at < now))
            conn.execute(
                insert(sessions).values(
                    token_hash=digest(token),
                    user_id=user.id,
                    csrf=csrf,
                    created_at=now,
                    expires_at=expires,
                )
            )
            principal = self.users.principal(conn, user)
        return Session(token, csrf, principal, expires)

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie value, or None."""
        if not token:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sessions).where(sessions.c.token_hash == digest(token))
            ).first()
            if row is None or as_utc(row.expires_at) <= utcnow():
                return None
            user = self.users.by_id(conn, row.user_id)
            if user is None:
                return None
            return Session(
                token, row.csrf, self.users.principal(conn, user), as_utc(row.expires_at)
            )

    def end_session(self, token: str | None) -> None:
        if token:
            with self.engine.begin() as conn:
                conn.execute(delete(sessions).where(sessions.c.token_hash == digest(token)))

    @staticmethod
    def check_csrf(session: Session, submitted: str | None) -> None:
        """A state-changing request of a session must carry its CSRF secret (form field or
        X-CSRF-Token header)."""
        if not submitted or not same(session.csrf, submitted):
            raise Forbidden("missing or wrong CSRF token")
