"""Positions brought up to date from the change feed instead of walking every hit again
(issue 15: a harvest running while records are published paid the whole walk after each
publish).

A kept ordered list of ids at change `since` becomes the list at change `upto`: the records
changed in between (bch.storage.sequence: gapless, in commit order) are taken out of it, and
those that still match the request are put back at their sort key, found by binary search over
the kept list: the sort keys of the ids probed are read from the database (a statement per step
of the search, for all the records put back at once: about log2(hits) statements).

The kept list is never changed: a new one is built (readers holding the old one go on with it).
None (the caller walks every hit again) when anything is unusual: more than MAX_CHANGES changes,
a database reset or restored (the change numbered `since` is not the one kept), a filter whose
matches depend on other records (lmoUid, detection), a sort key that is NULL or of mixed types,
or a change committed while the update read (its statements would not agree)."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Sequence
from functools import cmp_to_key
from typing import Any

from sqlalchemy import Connection, select

from bch.storage.bitmap_index import change_at, last_change
from bch.storage.tables import changes, documents

MAX_CHANGES = 1_000  # more changes than this since the kept state: walk again
SCAN_MAX = 16  # up to this many ids are found by a byte search each; more: one pass
CHUNK = 1_000  # ids per statement
# filters whose matches depend on other records than the one changed (links, detection methods)
NOT_LOCAL = frozenset({"lmoUid", "detection"})

Key = tuple  # the sort key's values, then the id


def updated_positions(
    conn: Connection,
    kept_state: tuple | None,
    kept: array,
    state: tuple | None,
    keys: Sequence[Any],
    descending: Sequence[bool],
    where: Callable[[], list],
    filter_kinds: Sequence[str],
) -> array | None:
    """The ids of `kept` (in order at change `kept_state`) at change `state`; None: walk again.
    `keys` are the order's SQL expressions and `descending` their directions (the id, ascending,
    breaks ties), `where()` the request's conditions on documents."""
    if kept_state is None or state is None or NOT_LOCAL.intersection(filter_kinds):
        return None
    since, upto = kept_state[0], state[0]
    if not 0 <= upto - since <= MAX_CHANGES or change_at(conn, since) != tuple(kept_state):
        return None
    changed = set(
        conn.execute(
            select(changes.c.document_id).where(changes.c.seq > since, changes.c.seq <= upto)
        ).scalars()
    )
    base = _without(kept, changed)
    probe = _Probe(conn, keys, descending)
    new: dict[int, Key] = {}
    for part in _chunks(sorted(changed)):
        stmt = select(documents.c.id, *keys).where(documents.c.id.in_(part), *where())
        new.update((row[0], (*row[1:], row[0])) for row in conn.execute(stmt))
    try:
        if any(v is None for k in new.values() for v in k):
            return None
        at = _positions(probe, base, new)
    except (TypeError, LookupError):  # keys of mixed types, or a probed record gone
        return None
    if at is None or last_change(conn) != tuple(state):
        return None
    return _inserted(base, at, probe)


class _Probe:
    """The sort keys of records, read from the database once each."""

    def __init__(self, conn: Connection, keys: Sequence[Any], descending: Sequence[bool]):
        self.conn, self.keys, self.descending = conn, keys, descending
        self.memo: dict[int, Key] = {}

    def read(self, ids: list[int]) -> None:
        need = sorted({i for i in ids if i not in self.memo})
        for part in _chunks(need):
            stmt = select(documents.c.id, *self.keys).where(documents.c.id.in_(part))
            for row in self.conn.execute(stmt):
                self.memo[row[0]] = (*row[1:], row[0])
        missing = [i for i in need if i not in self.memo]
        if missing or any(v is None for i in need for v in self.memo[i]):
            raise LookupError(missing)

    def before(self, a: Key, b: Key) -> bool:
        """Whether a record keyed `a` comes before one keyed `b` in the order."""
        for x, y, desc in zip(a, b, self.descending, strict=False):
            if x != y:
                return (x < y) != desc
        return a[-1] < b[-1]

    def compare(self, a: Key, b: Key) -> int:
        return -1 if self.before(a, b) else (1 if self.before(b, a) else 0)


def _positions(probe: _Probe, base: array, new: dict[int, Key]) -> dict[int, int] | None:
    """Where each new record goes in `base`: binary searches side by side, a statement a step
    for all of them (most new records go after the last: that is looked at first)."""
    n = len(base)
    bounds = {i: [0, n] for i in new}
    if n and new:
        probe.read([base[-1]])
        last = probe.memo[base[-1]]
        for i, key in new.items():
            if probe.before(last, key):
                bounds[i] = [n, n]
    while True:
        open_ = {i: (lo + hi) // 2 for i, (lo, hi) in bounds.items() if lo < hi}
        if not open_:
            break
        probe.read([base[m] for m in open_.values()])
        for i, mid in open_.items():
            if probe.before(probe.memo[base[mid]], new[i]):
                bounds[i][0] = mid + 1
            else:
                bounds[i][1] = mid
    for i, key in new.items():
        probe.memo[i] = key
    return {i: lo for i, (lo, _hi) in bounds.items()}


def _inserted(base: array, at: dict[int, int], probe: _Probe) -> array:
    """`base` with the ids of `at` put in at their positions (ids at one position in order)."""
    groups: dict[int, list[int]] = {}
    for i, pos in at.items():
        groups.setdefault(pos, []).append(i)
    order = cmp_to_key(lambda a, b: probe.compare(probe.memo[a], probe.memo[b]))
    out, prev = array("q"), 0
    for pos in sorted(groups):
        out.extend(base[prev:pos])
        out.extend(array("q", sorted(groups[pos], key=order)))
        prev = pos
    out.extend(base[prev:])
    return out


def _without(ids: array, gone: set[int]) -> array:
    """A copy of `ids` without `gone`: a few found by a byte search each (C speed), many by
    one pass."""
    if len(gone) > SCAN_MAX:
        return array("q", [i for i in ids if i not in gone])
    data, cut = ids.tobytes(), []
    for i in gone:
        pattern = i.to_bytes(ids.itemsize, sys.byteorder, signed=True)
        found = data.find(pattern)
        while found != -1 and found % ids.itemsize:  # not on an id's boundary
            found = data.find(pattern, found + 1)
        if found != -1:
            cut.append(found // ids.itemsize)
    out, prev = array("q"), 0
    for pos in sorted(cut):
        out.extend(ids[prev:pos])
        prev = pos + 1
    out.extend(ids[prev:])
    return out


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
