"""Answers of public reads kept in this process while nothing changed (issue 15: fast reads).

A record's public JSON depends only on published revisions and links, and every publish,
update and deletion appends one entry to the change sequence. So an answer computed for an
anonymous reader stays right exactly as long as the latest change is the same: each lookup
asks the database for the latest change (one indexed query, the same the search index makes)
and forgets everything when it moved, whichever process wrote it. What changes per caller
(confidential fields, drafts) is never cached: only anonymous reads come here."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class ReadCache:
    def __init__(self, mark: Callable[[], Hashable], *, size: int = 4096):
        """`mark()`: the latest change of the database (any value that moves with it)."""
        self.mark = mark
        self.size = size
        self._seen: Hashable = object()
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0  # read by the metrics (issue 15 item 7)

    def peek(self, key: Hashable) -> Any | None:
        """The answer of `key` if it is remembered and still right, else None (counted as
        neither hit nor miss: the caller computes it through `get`)."""
        mark = self.mark()
        with self._lock:
            if mark != self._seen:
                self._items.clear()
                self._seen = mark
                return None
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return value

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The answer of `key`: remembered, or computed now and remembered (an exception
        is raised to the caller and nothing is remembered)."""
        mark = self.mark()
        with self._lock:
            if mark != self._seen:
                self._items.clear()
                self._seen = mark
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        value = compute()  # computed after the mark was read: as new as the mark, or newer
        with self._lock:
            self.misses += 1
            if self._seen == mark:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value
