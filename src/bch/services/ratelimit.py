"""Rate limits for logins, registrations, password resets and writes (sliding window per
bucket and key), and the public API's per-client limit. Exceeding one answers 429 with
Retry-After.

Several server processes (`bch serve --workers N`, several machines) share one truth: the
counters live in the database (`rate_counters`) or, when BCH_REDIS_URL is set, in Redis
(storage/rate_counters.py). The sliding window is estimated from two fixed windows, the usual
way: hits of the current window plus the previous window's hits weighted by the part of it
still inside the sliding window. Without shared counters (library use, tests) a RateLimiter
keeps exact per-process windows."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from bch.services.errors import TooManyRequests

if TYPE_CHECKING:
    from bch.settings import Settings


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float


class SharedCounters(Protocol):
    def hit(self, key: str, slot: int, seconds: float) -> tuple[int, int]:
        """Count one hit of `key` in fixed window `slot`; (hits in it, hits in the one before)."""


def default_limits(settings: Settings | None = None) -> dict[str, Limit]:
    """BCH_RATE_LOGIN, _REGISTER, _RESET, _WRITE (`count/seconds`, Settings.rate_*)."""
    if settings is None:
        return {
            "login": Limit(20, 60),
            "register": Limit(5, 3600),
            "reset": Limit(5, 3600),
            "write": Limit(120, 60),
        }
    return {
        "login": Limit(*settings.rate_login),
        "register": Limit(*settings.rate_register),
        "reset": Limit(*settings.rate_reset),
        "write": Limit(*settings.rate_write),
    }


def sliding_wait(limit: Limit, hits: int, previous: int, now: float) -> float:
    """Seconds to wait when a hit was the `hits`-th of its fixed window (`previous` in the
    window before) and the estimated sliding window exceeds the limit; else 0."""
    into = (now % limit.seconds) / limit.seconds  # part of the current window gone by
    estimate = previous * (1 - into) + hits
    if estimate <= limit.count:
        return 0.0
    if hits > limit.count:  # over even without the previous window: wait for the next one
        return limit.seconds * (1 - into)
    # the previous window's weight falls as time passes: when does the estimate fit again?
    need = (estimate - limit.count) / max(previous, 1)
    return min(limit.seconds * (1 - into), need * limit.seconds)


class RateLimiter:
    """`hit(bucket, key)`: count an attempt, raise TooManyRequests over the bucket's limit."""

    def __init__(
        self,
        limits: dict[str, Limit] | None = None,
        clock=time.monotonic,
        counters: SharedCounters | None = None,
    ):
        self.limits = limits or default_limits()
        self.clock = clock
        self.counters = counters  # shared by every process; None: this process's memory
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, key: str) -> None:
        """Count one attempt; raise TooManyRequests when the bucket's limit is exceeded."""
        limit = self.limits[bucket]
        if self.counters is not None:
            now = time.time()  # shared windows: wall-clock time, the same in every process
            hits, previous = self.counters.hit(
                f"{bucket}:{key}", int(now // limit.seconds), limit.seconds
            )
            wait = sliding_wait(limit, hits, previous, now)
            if wait > 0:
                retry = math.ceil(wait)
                raise TooManyRequests(
                    f"too many {bucket} attempts; try again in {retry} s", retry_after=retry
                )
            return
        now = self.clock()
        with self._lock:
            q = self._hits.setdefault((bucket, key), deque())
            while q and q[0] <= now - limit.seconds:
                q.popleft()
            if len(q) >= limit.count:
                retry = int(q[0] + limit.seconds - now) + 1
                raise TooManyRequests(
                    f"too many {bucket} attempts; try again in {retry} s", retry_after=retry
                )
            q.append(now)
            if len(self._hits) > 100_000:  # bounded memory under a flood of distinct keys
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - 3600}


# -- the public API's limit (api/conventions.RateLimitMiddleware) ---------------------------------
@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBucket:
    """Token bucket per client in this process: `rate` requests per second sustained, bursts
    of `burst`. `take(key)`: 0 when the request may go, else the seconds to wait."""

    def __init__(self, rate: float, burst: int, max_clients: int = 100_000):
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            b = self._buckets.get(key)
            if b is None:
                if len(self._buckets) >= self.max_clients:
                    self._prune(now)
                b = self._buckets[key] = _Bucket(float(self.burst), now)
            b.tokens = min(self.burst, b.tokens + (now - b.stamp) * self.rate)
            b.stamp = now
            if b.tokens >= 1:
                b.tokens -= 1
                return 0.0
            return (1 - b.tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.stamp) * self.rate >= self.burst
        ]
        for k in full or list(self._buckets)[: self.max_clients // 2]:
            del self._buckets[k]


class SharedWindow:
    """The public limit shared by every process (Redis): `burst` requests per `burst / rate`
    seconds per client, as a sliding window (the same sustained rate and burst as the token
    bucket). One Redis round trip per request."""

    def __init__(self, rate: float, burst: int, counters: SharedCounters):
        self.limit = Limit(burst, burst / rate)
        self.counters = counters

    def take(self, key: str) -> float:
        now = time.time()
        hits, previous = self.counters.hit(
            "api:" + key, int(now // self.limit.seconds), self.limit.seconds
        )
        return sliding_wait(self.limit, hits, previous, now)


class Exempt:
    """Clients the public limit never stops (BCH_RATE_EXEMPT_IPS: trusted harvesters, a load
    balancer's health checks), by address or network."""

    def __init__(self, networks: tuple[str, ...]):
        self.everyone = "*" in networks
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks if n != "*")
        self.match = lru_cache(maxsize=4096)(self._match)

    def _match(self, address: str) -> bool:
        if self.everyone:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)


def public_limiter(
    setting: tuple[float, int] | None, *, workers: int = 1, counters: SharedCounters | None = None
) -> TokenBucket | SharedWindow | None:
    """BCH_RATE_LIMIT="RATE,BURST" (Settings.rate_limit; None: off). With shared counters
    (Redis) one window for all processes; else each of the `workers` processes allows its
    share, so that N processes together allow what one would (a client's requests are spread
    over the workers by the kernel)."""
    if setting is None:
        return None
    rate, burst = setting
    if counters is not None:
        return SharedWindow(rate, burst, counters)
    n = max(1, workers)
    return TokenBucket(rate / n, max(1, math.ceil(burst / n)))
