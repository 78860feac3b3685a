"""Rate limits (sliding window, per bucket and key, in this process) for logins, registrations,
password resets and writes. Exceeding one answers 429 with Retry-After."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bch.services.errors import TooManyRequests

if TYPE_CHECKING:
    from bch.settings import Settings


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float


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
