"""Rate-limit counters shared by every server process (issue 15): in the database (table
`rate_counters`), or in Redis when BCH_REDIS_URL is set. Both answer the same question in one
atomic step: count one more hit of `key` in fixed window `slot`, and say how many hits the key
has in this window and in the one before (services/ratelimit.py turns that into a sliding
window). The rules are the service's; these only count."""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, case, delete

from bch.storage.database import Database
from bch.storage.tables import rate_counters

PRUNE_EVERY = 1000  # hits between two removals of the counters of old windows


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _hit_statement(db: Database):
    """The upsert of one hit, with bound parameters `k` (the key's digest), `s` (the slot)
    and `stale` (when the row may go): one statement object, built and compiled once."""
    t = rate_counters.c
    ins = db.dialect.insert(rate_counters).values(
        key=bindparam("k"), slot=bindparam("s"), hits=1, previous=0, stale_after=bindparam("stale")
    )
    excluded_slot = ins.excluded.slot
    return ins.on_conflict_do_update(
        index_elements=["key"],
        set_={
            # every right-hand side reads the row as it was (SQL semantics on both backends)
            "previous": case(
                (t.slot == excluded_slot, t.previous),
                (t.slot == excluded_slot - 1, t.hits),
                else_=0,
            ),
            "hits": case((t.slot == excluded_slot, t.hits + 1), else_=1),
            "slot": excluded_slot,
            "stale_after": ins.excluded.stale_after,
        },
    ).returning(t.hits, t.previous)


class DatabaseCounters:
    """One row per key: (slot, hits, previous), updated by one upsert (row-locked on
    PostgreSQL, under SQLite's write lock): concurrent hits from several processes all count."""

    def __init__(self, db: Database):
        self.db = db
        self._since_prune = 0
        self._hit = _hit_statement(db)  # built once: every write pays for a hit (issue 15)

    def hit(self, key: str, slot: int, seconds: float) -> tuple[int, int]:
        """Count a hit of `key` in `slot` (windows of `seconds`); (hits in this slot, hits in
        the slot before)."""
        stale_after = int((slot + 2) * seconds) + 1  # then both windows are over
        values = {"k": _digest(key), "s": slot, "stale": stale_after}
        with self.db.writing(changes=False) as conn:
            hits, previous = conn.execute(self._hit, values).one()
            self._since_prune += 1
            if self._since_prune >= PRUNE_EVERY:
                self._since_prune = 0
                # a key untouched for two of its windows counts zero anyway
                now = int(slot * seconds)
                stale = rate_counters.c.stale_after < now
                conn.execute(delete(rate_counters).where(stale))
        return hits, previous


class RedisCounters:
    """The same counts in Redis: one key per (key, slot), INCR with an expiry of two windows;
    one round trip (a pipeline) per hit."""

    def __init__(self, url: str, *, prefix: str = "bch:rl:"):
        import redis  # pinned in pyproject.toml; imported only when BCH_REDIS_URL is set

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix

    def hit(self, key: str, slot: int, seconds: float) -> tuple[int, int]:
        base = self.prefix + _digest(key)
        pipe = self.client.pipeline(transaction=False)
        pipe.incr(f"{base}:{slot}")
        pipe.expire(f"{base}:{slot}", int(2 * seconds) + 1)
        pipe.get(f"{base}:{slot - 1}")
        hits, _, previous = pipe.execute()
        return int(hits), int(previous or 0)

    def close(self) -> None:
        self.client.close()
