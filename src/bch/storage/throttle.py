"""Counters of failed sign-ins (table `login_throttle`, shared by every server process): one row
per key (a digest of the account/address pair, the address or the account) with its failures,
back-off and the last time its owner was told. The rules are bch.services.throttle's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from bch.storage.database import Database
from bch.storage.rows import as_utc
from bch.storage.tables import login_throttle


@dataclass(frozen=True)
class Counter:
    key: str
    scope: str  # pair | address | account
    failures: int
    blocked_until: datetime | None
    notified_at: datetime | None
    updated_at: datetime


class ThrottleRepository:
    def __init__(self, db: Database):
        self.db = db

    def blocks(self, conn: Connection, keys: Sequence[str]) -> list[tuple[str, datetime | None]]:
        """(scope, blocked_until) of the counters of these keys that exist."""
        rows = conn.execute(
            select(login_throttle.c.scope, login_throttle.c.blocked_until).where(
                login_throttle.c.key.in_(list(keys))
            )
        ).all()
        return [(r.scope, as_utc(r.blocked_until)) for r in rows]

    def locked(self, conn: Connection, key: str, scope: str, now: datetime) -> Counter:
        """The counter of `key`, created (no failures) when missing, locked until the end of
        the transaction (concurrent failures on one key queue)."""
        conn.execute(
            self.db.dialect.insert(login_throttle)
            .values(key=key, scope=scope, failures=0, updated_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = conn.execute(
            select(login_throttle).where(login_throttle.c.key == key).with_for_update()
        ).one()
        m = dict(row._mapping)
        for k in ("blocked_until", "notified_at", "updated_at"):
            m[k] = as_utc(m[k])
        return Counter(**m)

    def update(self, conn: Connection, key: str, **values: object) -> None:
        """Set columns of one counter (failures, blocked_until, notified_at, updated_at)."""
        conn.execute(update(login_throttle).where(login_throttle.c.key == key).values(**values))

    def forget(self, conn: Connection, key: str) -> None:
        conn.execute(delete(login_throttle).where(login_throttle.c.key == key))

    def forget_untouched(self, conn: Connection, before: datetime) -> None:
        """Remove the counters nobody has touched since `before`."""
        conn.execute(delete(login_throttle).where(login_throttle.c.updated_at < before))
