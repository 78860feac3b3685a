"""Positions: the ordered ids of a search's hits at one state of the database, for surfaces that
page by offset (the v2013 index: `start` up to the end, sorted on record columns).

An OFFSET page makes the database walk (and, without an index in that order, sort) every hit
before the page, for every page: a harvester paging a million records pays the whole walk a
page. Here the walk is done once per (request, order) and database state: its ids are kept in
order (8 bytes a hit), so numFound is their number and a page is a slice of them; only the
page's rows are read. The state is the latest change (bch.storage.bitmap_index.last_change:
every publish and deletion writes one), read in the page's own transaction: a change moves it,
so a page is never older than the data it is read from. After a change, the next page brings
the kept list up to date when its caller can (`update`: the records changed since are taken out
and put back at their place, bch.storage.search.position_changes) and walks again otherwise. A
kept list is never changed in place: a reader holding it never sees half an update.

At most MAX_ENTRIES lists and MAX_IDS ids are kept (least recently used first out), lists of
past states too when they can be updated (the next page starts from them)."""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

# (kept state, kept ids) -> the ids at the new state, or None: walk again
Update = Callable[[Hashable, array], array | None]

MAX_ENTRIES = 32
MAX_IDS = 4_000_000  # 32 MB of ids at most
FETCH = 10_000  # ids fetched from the database at a time


class Positions:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_ids: int = MAX_IDS):
        self.max_entries = max_entries
        self.max_ids = max_ids
        self._lists: OrderedDict[Hashable, tuple[Hashable, array]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()
        self.walks = 0  # lists built (tests and benchmarks read it)
        self.updates = 0  # lists brought up to date from a past state's

    def ordered(
        self,
        key: Hashable,
        state: Hashable,
        walk: Callable[[], Iterable[tuple[int, ...]]],
        update: Update | None = None,
    ) -> array:
        """The ids of `key`'s hits in order at database `state`: kept, brought up to date from
        a past state's (`update`), or walked now (`walk` yields rows whose first value is the id,
        in order)."""
        with self._lock:
            kept = self._lists.get(key)
            if kept is not None and kept[0] == state:
                self._lists.move_to_end(key)
                return kept[1]
        updated = update(*kept) if kept is not None and update is not None else None
        if updated is not None:
            self.updates += 1
            self._keep(key, state, updated, past=True)
            return updated
        ids = self._walk(walk)
        self._keep(key, state, ids, past=update is not None)
        return ids

    def _walk(self, walk: Callable[[], Iterable[tuple[int, ...]]]) -> array:
        ids = array("q")
        rows = iter(walk())
        while True:
            chunk = [r[0] for _, r in zip(range(FETCH), rows, strict=False)]
            if not chunk:
                break
            ids.extend(chunk)
        self.walks += 1
        return ids

    def _keep(self, key: Hashable, state: Hashable, ids: array, past: bool) -> None:
        """Keep `ids` for `key`; `past`: lists of past states stay (they can be updated)."""
        with self._lock:
            for other in [
                k for k, (s, _ids) in self._lists.items() if k == key or not past and s != state
            ]:
                self._held -= len(self._lists.pop(other)[1])  # replaced, or of a past state
            if len(ids) <= self.max_ids:
                self._lists[key] = (state, ids)
                self._held += len(ids)
            while self._lists and (
                len(self._lists) > self.max_entries or self._held > self.max_ids
            ):
                _key, (_state, dropped) = self._lists.popitem(last=False)
                self._held -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._lists.clear()
            self._held = 0
