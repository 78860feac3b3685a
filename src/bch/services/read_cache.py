"""Answers of public reads kept in this process until a change touches what they were made of
(issue 15: fast reads, and the mixed load where a publish arrives every 100 ms).

Every publish, update and deletion appends one entry to the change sequence. Each look-up asks
the database for the latest entry (one indexed query, storage/change_mark.py), so a write made
through any process is seen by the next read. When the sequence moved, the entries since the
last look-up say which records changed, what they link to now and their LMO UID keys
(`change_tags`); an answer is forgotten when one of those meets what it was made of. What an
answer was made of is noted while it is computed (storage/read_deps.py: every record read, every
record asked for by identifier, every "what references X" and LMO UID key looked up), so the
dependencies come from the data the computation actually read, not from a list kept by hand.
An answer that read a list or a count over many records (`ANY`) is forgotten at every change,
as is everything when the anonymous read scope changes, when a batch of changes is too large
to list (an import) or when the sequence goes back (a restore).

An answer computed with another kept answer (the LMO page with its stack components'
matrices, web/lmo_page.py) is made of what that one was made of: a hit notes its tags in the
computation that asks, so a change forgetting the inner answer forgets the outer one too.

The same answer asked for by several requests at once is computed once (single flight): the
others wait for it, then take it if it is still right, or compute it themselves.
What changes per caller (confidential fields, drafts) is never cached: only anonymous reads."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Any

from bch.storage.change_mark import Changed, change_tags
from bch.storage.read_deps import ANY, Tag, note, note_docs, note_tags, paused, tracking

__all__ = ["ANY", "ChangeFollower", "ReadCache", "note", "note_docs", "untracked_menu"]

MENU: Tag = ("menu",)  # the record types with public records (the main menu of every page)


class ChangeFollower:
    """The change sequence as this process's caches see it: `poll()` reads the latest entry
    and, when it moved, the tags the new entries touched; caches subscribe to hear of them.

    `latest()`: (seq, ...) of the latest change or None; `scope()`: the anonymous read scope;
    `engine`: where `change_tags` reads; `schemas()`: record types with public records."""

    def __init__(
        self,
        latest: Callable[[], tuple | None],
        scope: Callable[[], Hashable],
        engine: Any,
        schemas: Callable[[], frozenset[str]] | None = None,
    ):
        self.latest, self.scope, self.engine, self.schemas = latest, scope, engine, schemas
        self._seq: int | None = None
        self._marks: tuple = ()  # what follows the sequence number in `latest()`: data marks
        self._version = 0  # moves with every poll that forgot something (what caches compare)
        self._scope: Hashable = object()
        self._menu: frozenset[str] | None = None
        self._lock = threading.Lock()
        self._caches: list[ReadCache] = []

    def subscribe(self, cache: ReadCache) -> None:
        with self._lock:
            self._caches.append(cache)
            if self._seq is not None:  # a cache made after the first look starts from here
                cache.forget(None, self._version)

    def poll(self) -> int:
        """The version of the data this process knows (it moves whenever the sequence number,
        the data marks or the read scope moved), after telling the caches what changed since
        the last poll (they are forgotten what it touched). A change of the data marks (data
        written outside record publishes: storage/change_mark.bump) forgets everything."""
        row = self.latest()
        seq = row[0] if row else 0
        marks = tuple(row[4:]) if row else ()
        scope = self.scope()
        if seq == self._seq and scope == self._scope and marks == self._marks:
            return self._version
        with self._lock, paused():  # what it reads here is no part of an answer computed
            if seq == self._seq and scope == self._scope and marks == self._marks:
                return self._version
            changed: Changed | None = None
            same = scope == self._scope and marks == self._marks
            if self._seq is not None and seq > self._seq and same:
                changed = change_tags(self.engine, self._seq, seq)
                if changed.tags is not None and self._menu_changed(changed):
                    changed = Changed(changed.tags | {MENU}, changed.published, changed.deleted)
            else:  # the first look, or everything is forgotten: the menu as it is now
                self._menu = self.schemas() if self.schemas is not None else None
                if self.latest() != row:  # it moved meanwhile: which state it shows is unknown
                    self._menu = None
            tags = changed.tags if changed is not None else None
            self._version += 1
            for cache in self._caches:
                cache.forget(tags, self._version)  # None: everything
            self._seq, self._scope, self._marks = seq, scope, marks
            return self._version

    def state(self) -> tuple:
        """The database state now: the latest change's row (with the data marks) and the
        anonymous read scope, read again (what the shared pages are kept for)."""
        return (self.latest(), self.scope())

    def _menu_changed(self, changed: Changed) -> bool:
        """Whether the record types with public records changed (a type's first record, or a
        deletion); asked again only then."""
        if self.schemas is None:
            return bool(changed.published or changed.deleted)
        if self._menu is not None and not changed.deleted and changed.published <= self._menu:
            return False
        before, self._menu = self._menu, self.schemas()
        return before is None or before != self._menu


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()


class ReadCache:
    def __init__(self, follower: ChangeFollower, *, size: int = 4096, shared=None):
        self.follower = follower
        self.size = size
        self.shared = shared  # services/shared_pages.SharedPages: answers other workers made
        self._items: OrderedDict[Hashable, tuple[Any, frozenset[Tag]]] = OrderedDict()
        self._by_tag: dict[Tag, set[Hashable]] = {}
        self._seq = -1  # the follower's version (poll()) up to which the items are known right
        self._recent: deque[tuple[int, frozenset[Tag] | None]] = deque(maxlen=64)
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()
        self.hits = self.misses = 0  # read by the metrics (issue 15 item 7)
        self.forgotten = 0  # answers forgotten because a change touched them
        follower.subscribe(self)

    # -- changes ----------------------------------------------------------------------------
    def forget(self, tags: frozenset[Tag] | None, seq: int) -> None:
        """The changes up to version `seq` (ChangeFollower.poll) touched `tags` (None: anything):
        forget those answers."""
        with self._lock:
            if tags is None:
                self.forgotten += len(self._items)
                self._items.clear()
                self._by_tag.clear()
            else:
                for tag in (*tags, ANY):
                    for key in self._by_tag.pop(tag, ()):
                        self._drop(key)
            self._recent.append((seq, tags))
            self._seq = seq

    def _drop(self, key: Hashable) -> None:
        item = self._items.pop(key, None)
        if item is None:
            return
        self.forgotten += 1
        for tag in item[1]:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]

    def _touched_since(self, seq: int, deps: frozenset[Tag]) -> bool:
        """Whether the changes after `seq` (already applied) may have touched `deps`."""
        if seq == self._seq:
            return False
        if not any(s <= seq for s, _ in self._recent):  # the record does not go back so far
            return True
        later = [tags for s, tags in self._recent if s > seq]
        return any(tags is None or ANY in deps or not tags.isdisjoint(deps) for tags in later)

    # -- look-ups ---------------------------------------------------------------------------
    def peek(self, key: Hashable) -> Any | None:
        """The answer of `key` if it is remembered and still right, else None (counted as
        neither hit nor miss: the caller computes it through `get`)."""
        self.follower.poll()
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            self.hits += 1
            note_tags(item[1])  # an answer computed with it is made of it too
            return item[0]

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The answer of `key`: remembered, or computed now and remembered (an exception
        is raised to the caller and nothing is remembered). Requests asking for the same
        answer meanwhile wait for this computation instead of repeating it."""
        while True:
            seq = self.follower.poll()
            with self._lock:
                item = self._items.get(key)
                if item is not None:
                    self._items.move_to_end(key)
                    self.hits += 1
                    note_tags(item[1])  # an answer computed with it is made of it too
                    return item[0]
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = _Flight()
                    break
            flight.done.wait(timeout=30)  # then remembered (taken above), or compute it here
            if key in self._flights and self._flights[key] is flight:  # its computer timed out
                break
        try:
            if self.shared is None:
                with tracking() as reads:  # computed after the poll: as new as `seq`, or newer
                    value = compute()
                deps = frozenset(reads)
            else:
                value, deps = self._shared_get(key, compute)
        finally:
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.done.set()
        with self._lock:
            self.misses += 1
            if not self._touched_since(seq, deps):
                self._items[key] = (value, deps)
                for tag in deps:
                    self._by_tag.setdefault(tag, set()).add(key)
                while len(self._items) > self.size:
                    self._drop(next(iter(self._items)))
                    self.forgotten -= 1  # pushed out, not touched by a change
        return value

    def _shared_get(self, key: Hashable, compute: Callable[[], Any]) -> tuple[Any, frozenset]:
        """The answer of `key` and its tags: from the shared store (services/shared_pages.py)
        if another process kept it at exactly the database state read now (as new as `seq` in
        `get`, or newer), else computed here (once for all the processes: another asking
        meanwhile waits, then reads it) and kept there if no change was committed while it
        was computed."""
        shared, follower = self.shared, self.follower
        with paused():
            stamp = follower.state()
            got = shared.load(key, stamp)
        if got is None:
            with shared.rendering(key) as waited:
                with paused():  # rendered by another meanwhile? (at the state of now)
                    stamp = follower.state() if waited else stamp
                    got = shared.load(key, stamp)
                if got is None:
                    with tracking() as reads:
                        value = compute()
                    deps = frozenset(reads)
                    with paused():
                        if stamp[0] is not None and follower.state() == stamp:
                            shared.save(key, stamp, value, deps)
                    return value, deps
        note_tags(got[1])  # the asking computation (if any) is made of it too
        return got


def untracked_menu(compute: Callable[[], Any]) -> Any:
    """The main menu's record types, computed outside the tracking of the page that asks (a
    count over every record), the page noting MENU instead: forgotten only when the record
    types with public records change (ChangeFollower)."""
    note(MENU)
    with paused():
        return compute()
