"""When each API token was last used, written off the request path (issue 17).

An authenticated request only reads. `used()` notes the time in memory when the stored value is
older than `every` seconds (60) and this process has not noted it within `every` seconds either;
one background thread writes the noted times in a single short transaction. So a token's
`last_used_at` is written at most about once a minute per process, never in a request's
transaction, and a failure to write it (a busy database) is logged, never an error of the
request. Times noted but not written when the process stops are lost (at most a minute's worth);
`close()` writes what is pending."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

from bch.storage.credentials import TokenRepository
from bch.storage.database import Database, DatabaseError

log = logging.getLogger("bch.accounts")


class UsageRecorder:
    def __init__(
        self, db: Database, every: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        self.db = db
        self.tokens = TokenRepository()
        self.every = every
        self.clock = clock
        self._noted: dict[int, float] = {}  # token id -> when this process last noted a use
        self._pending: dict[int, datetime] = {}  # token id -> the use to write
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._scheduled: Future | None = None

    def used(self, token_id: int, at: datetime, stored: datetime | None) -> None:
        """A request authenticated with this token at `at`; `stored` is its last_used_at."""
        if stored is not None and at - stored < timedelta(seconds=self.every):
            return
        now = self.clock()
        with self._lock:
            noted = self._noted.get(token_id)
            if noted is not None and now - noted < self.every:
                return
            if len(self._noted) > 100_000:  # bounded memory
                self._noted = {k: v for k, v in self._noted.items() if now - v < self.every}
            self._noted[token_id] = now
            self._pending[token_id] = at
            if self._scheduled is None or self._scheduled.done():
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(1, thread_name_prefix="bch-token-usage")
                self._scheduled = self._executor.submit(self.flush)

    def flush(self) -> int:
        """Write the pending times now (the background thread calls this); returns how many."""
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return 0
        try:
            self.tokens.note_uses(self.db, batch)
        except DatabaseError as exc:  # bookkeeping only: the requests were answered already
            log.warning("last_used_at of %d API token(s) not written: %s", len(batch), exc)
            with self._lock:
                for token_id in batch:
                    self._noted.pop(token_id, None)  # the next use notes it again
            return 0
        return len(batch)

    def wait(self) -> None:
        """Until what was noted so far is written (for tests and orderly shutdowns)."""
        scheduled = self._scheduled
        if scheduled is not None:
            scheduled.result()
        self.flush()

    def close(self) -> None:
        """Write what is pending and stop the background thread."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self.flush()
