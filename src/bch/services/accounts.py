"""The account service: registration with e-mail confirmation, login with back-off, password
reset, personal API tokens (shown once, hashed, scoped, expiring, revocable) and web sessions
with a CSRF secret. Every surface (API, web pages, CLI) calls this.

Writes run in units of work (bch.services.unit_of_work); the mails they cause (confirmation and
reset codes, warnings to the owner) are AccountEvents sent by a subscriber after the commit
(bch.services.notifications)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bch.records.realms import RealmRegistry
from bch.services import audit
from bch.services.credentials import check_rule, digest, new_token, same, verify_password
from bch.services.errors import BadRequest, Forbidden, NotFound, Unauthorized
from bch.services.events import AccountEvent
from bch.services.policy import Principal
from bch.services.ratelimit import RateLimiter
from bch.services.throttle import BackoffPolicy, LoginThrottle
from bch.services.token_cache import ValidTokens
from bch.services.token_usage import UsageRecorder
from bch.services.unit_of_work import UnitOfWork
from bch.services.users import User, UserDirectory, normal_email
from bch.storage.accounts import UserRepository
from bch.storage.credentials import SessionRepository, TicketRepository, TokenRepository
from bch.storage.database import Connection
from bch.storage.rows import iso_utc, utcnow

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
        uow: UnitOfWork,
        registry: RealmRegistry,
        limiter: RateLimiter | None = None,
        backoff: BackoffPolicy | None = None,
    ):
        self.uow = uow
        self.db = uow.db
        self.users = UserDirectory(self.db, UserRepository(), registry)
        self._tokens = TokenRepository()
        self._sessions = SessionRepository()
        self._tickets = TicketRepository()
        self.limiter = limiter or RateLimiter()
        self.throttle = LoginThrottle(self.db, backoff)
        self.valid_tokens = ValidTokens(self._live_token_expiry)
        self.usage = UsageRecorder(self.db)

    def _writing(self):
        """A unit of work for account writes (they never touch the change sequence)."""
        return self.uow(changes=False)

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
        with self._writing() as tx:
            conn = tx.conn
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
        with self._writing() as tx:
            conn = tx.conn
            user = self._existing(conn, email)
            self.users.grant(conn, user, role, country, schemas=schemas, by=by)

    def revoke(self, email: str, role: str, country: str | None, *, by: str) -> int:
        with self._writing() as tx:
            conn = tx.conn
            return self.users.revoke(conn, self._existing(conn, email), role, country, by=by)

    def user(self, user_id: int | None) -> User | None:
        """The account of a signed-in principal (None for anonymous or unknown ids)."""
        if user_id is None:
            return None
        with self.db.reading() as conn:
            return self.users.by_id(conn, user_id)

    def _existing(self, conn, email: str) -> User:
        user = self.users.by_email(conn, normal_email(email))
        if user is None:
            raise NotFound(f"no user {email}")
        return user

    # -- registration and password reset -------------------------------------------------------
    def register(
        self,
        email: str,
        password: str,
        *,
        name: str | None = None,
        ip: str = "",
        lang: str = "en",
    ) -> None:
        """Create an unconfirmed account and mail the confirmation link (to the web page in
        `lang`). The answer is the same whether the address was known or not (no account
        discovery)."""
        self.limiter.hit("register", ip or "-")
        email = normal_email(email)
        check_rule(password)
        with self._writing() as tx:
            conn = tx.conn
            existing = self.users.by_email(conn, email)
            if existing is not None:
                tx.record(AccountEvent("registered_again", email, lang=lang))
                return
            user = self.users.create(conn, email, password, name=name, confirmed=False)
            token = self._ticket(conn, user.id, "confirm")
            audit.write(conn, email, "user.register", detail={"user": email})
            tx.record(AccountEvent("registered", email, secret=token, lang=lang))

    def confirm(self, token: str) -> User:
        with self._writing() as tx:
            conn = tx.conn
            user_id = self._use_ticket(conn, token, "confirm")
            self.users.users.confirm(conn, user_id, utcnow())
            user = self.users.by_id(conn, user_id)
            assert user is not None
            audit.write(conn, user.email, "user.confirm", detail={"user": user.email})
            return user

    def request_password_reset(self, email: str, *, ip: str = "", lang: str = "en") -> None:
        """Mail a single-use link (TICKET_HOURS) to choose a new password; nothing for an
        unknown address, and the same answer (no account discovery)."""
        self.limiter.hit("reset", ip or "-")
        self.limiter.hit("reset", normal_email(email))
        with self._writing() as tx:
            conn = tx.conn
            user = self.users.by_email(conn, normal_email(email))
            if user is None:
                return
            token = self._ticket(conn, user.id, "reset")
            tx.record(AccountEvent("reset_requested", user.email, secret=token, lang=lang))

    def reset_password(self, token: str, password: str) -> None:
        check_rule(password)
        with self._writing() as tx:
            conn = tx.conn
            user_id = self._use_ticket(conn, token, "reset")
            self.users.set_password(conn, user_id, password)
            # a reset also confirms the address and ends every session
            self.users.users.confirm(conn, user_id, utcnow())
            self._sessions.end_all(conn, user_id)
            user = self.users.by_id(conn, user_id)
            audit.write(conn, user.email if user else "?", "user.password_reset")

    def _ticket(self, conn: Connection, user_id: int, purpose: str) -> str:
        token = new_token()
        now = utcnow()
        self._tickets.add(
            conn,
            token_hash=digest(token),
            user_id=user_id,
            purpose=purpose,
            at=now,
            expires_at=now + timedelta(hours=TICKET_HOURS),
        )
        return token

    def _use_ticket(self, conn: Connection, token: str, purpose: str) -> int:
        row = self._tickets.by_hash(conn, digest(str(token)))
        if (
            row is None
            or row.purpose != purpose
            or row.used_at is not None
            or row.expires_at < utcnow()
        ):
            raise BadRequest(
                "the code is unknown, used or expired",
                errors=[{"code": "Error.InvalidValue", "path": "token", "message": "not valid"}],
            )
        self._tickets.use(conn, row.token_hash, utcnow())
        return row.user_id

    # -- login ----------------------------------------------------------------------------------
    def login(self, email: object, password: object, *, ip: str = "") -> User:
        """Check e-mail and password. Failures back off per (account, address) and per address,
        never per account alone (services/throttle.py): a guesser cannot lock the owner out. The
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
        with self.db.reading() as conn:
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
        with self._writing() as tx:
            audit.write(
                tx.conn, user.email, "user.login_failures",
                detail={"user": user.email, "failures": failures, "address": address},
            )  # fmt: skip
            tx.record(
                AccountEvent("login_failures", user.email, failures=failures, address=address)
            )

    # -- API tokens -----------------------------------------------------------------------------
    def issue_token(
        self, user: User, *, name: str = "api", scope: str = "write", days: int = 30
    ) -> IssuedToken:
        if scope not in ("read", "write"):
            raise BadRequest(
                "scope is read or write",
                errors=[
                    {"code": "Error.InvalidValue", "path": "scope", "message": "read or write"}
                ],
            )
        if isinstance(days, float) and days.is_integer():  # JSON 30.0 is the integer 30
            days = int(days)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
            raise BadRequest(
                f"days must be between 1 and {MAX_TOKEN_DAYS}",
                errors=[
                    {
                        "code": "Error.InvalidValue",
                        "path": "days",
                        "message": f"a whole number from 1 to {MAX_TOKEN_DAYS}",
                    }
                ],
            )
        token = new_token(TOKEN_PREFIX)
        now = utcnow()
        expires = now + timedelta(days=days)
        with self._writing() as tx:
            token_id = self._tokens.add(
                tx.conn,
                user_id=user.id,
                token_hash=digest(token),
                name=str(name)[:100] or "api",
                scope=scope,
                at=now,
                expires_at=expires,
            )
        self.valid_tokens.remember(digest(token), expires)
        return IssuedToken(token_id, token, scope, expires)

    def tokens(self, principal: Principal) -> list[dict[str, Any]]:
        if principal.user_id is None:
            return []
        with self.db.reading() as conn:
            rows = self._tokens.of_user(conn, principal.user_id)
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
        with self._writing() as tx:
            revoked = self._tokens.revoke(tx.conn, token_id, user_id=principal.user_id, at=utcnow())
        if revoked is None:
            raise NotFound(f"no active token {token_id} of yours")
        self.valid_tokens.forget(revoked)

    def _live_token_expiry(self, token_hash: str) -> datetime | None:
        """When the token with this digest expires; None when unknown, revoked or expired."""
        with self.db.reading() as conn:
            row = self._tokens.by_hash(conn, token_hash)
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            return None
        return row.expires_at

    def principal_from_token(self, token: str) -> Principal:
        """The principal of an API token. Only reads: the token's last_used_at is written
        later, at most once a minute (services/token_usage.py)."""
        now = utcnow()
        token_hash = digest(token)
        with self.db.reading() as conn:
            row = self._tokens.by_hash(conn, token_hash)
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                self.valid_tokens.remember(token_hash, None)
                raise Unauthorized("the token is unknown, revoked or expired")
            user = self.users.by_id(conn, row.user_id)
            assert user is not None
            principal = self.users.principal(conn, user, row.scope)
        self.valid_tokens.remember(token_hash, row.expires_at)
        self.usage.used(row.id, now, row.last_used_at)
        return principal

    def principal_of_email(self, email: str) -> Principal:
        """The principal of a confirmed account, for an operator's command acting as that user
        (`bch register import --as EMAIL`): its roles, nothing more. NotFound otherwise."""
        with self.db.reading() as conn:
            user = self.users.by_email(conn, email)
            if user is None or user.confirmed_at is None:
                raise NotFound(
                    f"no confirmed account with the e-mail {email!r}",
                    errors=[{"code": "Error.NotFound", "path": "as", "message": email}],
                )
            return self.users.principal(conn, user)

    # -- web sessions ---------------------------------------------------------------------------
    def start_session(self, user: User) -> Session:
        token, csrf = new_token(), new_token()
        now = utcnow()
        expires = now + timedelta(hours=SESSION_HOURS)
        with self._writing() as tx:
            self._sessions.start(
                tx.conn,
                token_hash=digest(token),
                user_id=user.id,
                csrf=csrf,
                at=now,
                expires_at=expires,
            )
            principal = self.users.principal(tx.conn, user)
        return Session(token, csrf, principal, expires)

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie value, or None."""
        if not token:
            return None
        with self.db.reading() as conn:
            row = self._sessions.by_hash(conn, digest(token))
            if row is None or row.expires_at <= utcnow():
                return None
            user = self.users.by_id(conn, row.user_id)
            if user is None:
                return None
            return Session(token, row.csrf, self.users.principal(conn, user), row.expires_at)

    def end_session(self, token: str | None) -> None:
        if token:
            with self._writing() as tx:
                self._sessions.end(tx.conn, digest(token))

    @staticmethod
    def check_csrf(session: Session, submitted: str | None) -> None:
        """A state-changing request of a session must carry its CSRF secret (form field or
        X-CSRF-Token header)."""
        if not submitted or not same(session.csrf, submitted):
            raise Forbidden("missing or wrong CSRF token")
