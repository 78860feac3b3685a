"""Failed sign-ins slow the guesser down, never lock the owner out (issue 17).

Three counters of recent failures, kept in the database (table `login_throttle`) so that every
server process sees the same state:

* per (account, client address) pair: after `pair_free` failures that pair backs off,
  exponentially (1 s, 2 s, 4 s, ... up to `longest`);
* per client address, whatever the accounts: after `address_free` failures (credential
  stuffing) that address backs off the same way;
* per account, whatever the addresses: it never blocks anybody. Past `account_alarm` failures the
  account is under attack and every pair backs off from its first failure (a fresh address still
  gets its try: the owner signing in from their own address is slowed by their own mistakes only);
  at `notify_after` failures the owner is told by mail, at most once per `window`.

A blocked attempt answers 429 with Retry-After and checks no password. A counter that saw no
failure for `window` starts again; a successful sign-in clears its (account, address) pair.
Settings: BCH_LOCKOUT_THRESHOLD (`pair_free`, 5) and BCH_LOCKOUT_SECONDS (`longest`, 900)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bch.services.errors import TooManyRequests
from bch.storage.database import Connection, Database
from bch.storage.rows import utcnow
from bch.storage.throttle import ThrottleRepository

PAIR, ADDRESS, ACCOUNT = "pair", "address", "account"


@dataclass(frozen=True)
class BackoffPolicy:
    pair_free: int = 5
    address_free: int = 20
    account_alarm: int = 10
    notify_after: int = 5
    first_seconds: float = 1.0
    longest: float = 900.0
    window: float = 3600.0

    @classmethod
    def from_settings(cls, threshold: int, seconds: int) -> BackoffPolicy:
        """BCH_LOCKOUT_THRESHOLD and BCH_LOCKOUT_SECONDS (Settings.lockout_*)."""
        longest = float(seconds)
        return cls(
            pair_free=threshold,
            longest=longest,
            window=max(3600.0, 2 * longest),
        )

    def backoff(self, failures: int, free: int) -> float:
        """Seconds to wait after `failures` failures when `free` of them cost nothing."""
        if failures < free:
            return 0.0
        return min(self.longest, self.first_seconds * 2 ** min(failures - free, 40))


@dataclass(frozen=True)
class Failure:
    """What one more failed sign-in did: the account's recent failures and whether the owner
    should be told now (true once per window, the first time the count reaches notify_after)."""

    account_failures: int
    notify: bool


def _key(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}:{value}".encode()).hexdigest()


def _keys(email: str, address: str) -> dict[str, str]:
    return {
        PAIR: _key(PAIR, f"{email}\0{address}"),
        ADDRESS: _key(ADDRESS, address),
        ACCOUNT: _key(ACCOUNT, email),
    }


class LoginThrottle:
    def __init__(
        self,
        db: Database,
        policy: BackoffPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.db = db
        self.counters = ThrottleRepository(db)
        self.policy = policy or BackoffPolicy()
        self.clock = clock

    def check(self, email: str, address: str) -> bool:
        """Raise TooManyRequests while this (account, address) pair or this address backs off;
        else whether the pair has failures on record."""
        keys = _keys(email, address)
        now = self.clock()
        with self.db.reading() as conn:
            rows = self.counters.blocks(conn, [keys[PAIR], keys[ADDRESS]])
        blocked = [until for _scope, until in rows if until is not None]
        wait = max(((b - now).total_seconds() for b in blocked), default=0.0)
        if wait > 0:
            seconds = math.ceil(wait)
            raise TooManyRequests(
                f"too many failed sign-ins from this address; try again in {seconds} s "
                "(the account is not locked)",
                retry_after=seconds,
            )
        return any(scope == PAIR for scope, _until in rows)

    def failed(self, email: str, address: str) -> Failure:
        """Count a failed sign-in on every counter and set the back-offs it earned."""
        keys = _keys(email, address)
        now = self.clock()
        p = self.policy
        with self.db.writing(changes=False) as conn:
            account, notified = self._bump(conn, ACCOUNT, keys[ACCOUNT], now)
            under_attack = account >= p.account_alarm
            pair_free = 1 if under_attack else p.pair_free
            # locks are taken in one order (account, pair, address): concurrent failures queue
            self._bump(conn, PAIR, keys[PAIR], now, free=pair_free)
            self._bump(conn, ADDRESS, keys[ADDRESS], now, free=p.address_free)
            notify = account >= p.notify_after and (
                notified is None or notified <= now - timedelta(seconds=p.window)
            )
            if notify:
                self.counters.update(conn, keys[ACCOUNT], notified_at=now)
            # forget counters nobody has touched for a day past the window
            self.counters.forget_untouched(conn, now - timedelta(seconds=p.window + 86400))
        return Failure(account, notify)

    def succeeded(self, email: str, address: str) -> None:
        """The owner proved themself from this address: that pair starts again."""
        with self.db.writing(changes=False) as conn:
            self.counters.forget(conn, _keys(email, address)[PAIR])

    def _bump(
        self, conn: Connection, scope: str, key: str, now: datetime, *, free: int | None = None
    ) -> tuple[int, datetime | None]:
        """One more failure on a counter (created when missing, restarted when stale); sets its
        back-off when `free` is given. Returns (failures, notified_at)."""
        row = self.counters.locked(conn, key, scope, now)
        stale = row.updated_at <= now - timedelta(seconds=self.policy.window)
        blocked = row.blocked_until
        failures = (0 if stale and not (blocked and blocked > now) else row.failures) + 1
        values: dict = {"failures": failures, "updated_at": now}
        if free is not None:
            wait = self.policy.backoff(failures, free)
            values["blocked_until"] = now + timedelta(seconds=wait) if wait else None
        self.counters.update(conn, key, **values)
        return failures, row.notified_at
