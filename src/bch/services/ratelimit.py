"""Rate limits (sliding window, per bucket and key, in this process) for logins, registrations,
password resets and writes. Exceeding one answers 429 with Retry-After."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass

from bch.services.errors import TooManyRequests


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float


def _env_limit(name: str, count: int, seconds: float) -> Limit:
    raw = os.environ.get(f"BCH_RATE_{name.upper()}")  # e.g. BCH_RATE_LOGIN=10/60
    if raw and "/" in raw:
        n, s = raw.split("/", 1)
        return Limit(int(n), float(s))
    return Limit(count, seconds)


def default_limits() -> dict[str, Limit]:
    return {
        "login": _env_limit("login", 20, 60),
        "register": _env_limit("register", 5, 3600),
        "reset": _env_limit("reset", 5, 3600),
        "write": _env_limit("write", 120, 60),
    }


class RateLimiter:
    def __init__(self, limits: dict[str, Limit] | None = None, clock=time.monotonic):
        self.limits = limits or default_limits()
        self.clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, key: str) -> None:
        """Count one attempt; raise TooManyRequests when the bucket's limit is exceeded."""
        limit = self.limits[bucket]
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
