"""Which API tokens are valid, remembered for a short while in this process (token digest ->
valid until when). The API's rate limiter uses it to give a valid token its own bucket without a
database read on every request; an unknown or invalid token counts against the client's address.

Authentication never relies on it (principal_from_token always reads the database): a revoked
token can keep its own rate-limit bucket in another process for at most `ttl` seconds."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from bch.storage.rows import utcnow


class ValidTokens:
    def __init__(
        self,
        lookup: Callable[[str], datetime | None],
        *,
        ttl: float = 60.0,
        size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        """`lookup(digest)` answers the expiry of a live token, None for unknown, revoked or
        expired ones."""
        self.lookup = lookup
        self.ttl, self.size, self.clock = ttl, size, clock
        # valid and invalid tokens apart, so that a flood of random tokens cannot evict the
        # valid ones: digest -> monotonic time until which the answer holds
        self._valid: OrderedDict[str, float] = OrderedDict()
        self._invalid: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def known(self, digest: str) -> bool | None:
        """True (valid), False (invalid) or None (not known here: ask `check`)."""
        now = self.clock()
        with self._lock:
            for answer, table in ((True, self._valid), (False, self._invalid)):
                until = table.get(digest)
                if until is not None:
                    if until > now:
                        return answer
                    del table[digest]
        return None

    def check(self, digest: str) -> bool:
        """Ask the database (one indexed read) and remember the answer."""
        expires = self.lookup(digest)
        self.remember(digest, expires)
        return expires is not None

    def remember(self, digest: str, expires: datetime | None) -> None:
        """A token found valid until `expires` (None: invalid)."""
        now = self.clock()
        with self._lock:
            self._valid.pop(digest, None)
            self._invalid.pop(digest, None)
            if expires is None:
                table, until = self._invalid, now + self.ttl
            else:
                left = (expires - utcnow()).total_seconds()
                table, until = self._valid, now + min(self.ttl, max(0.0, left))
            table[digest] = until
            while len(table) > self.size:
                table.popitem(last=False)

    def forget(self, digest: str) -> None:
        with self._lock:
            self._valid.pop(digest, None)
            self._invalid.pop(digest, None)
