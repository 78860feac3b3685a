"""A server process's start-up heap (bch/cli/heap.py): no automatic collection while it starts,
the collector on for the first load of the shipped data, then one collection and the heap frozen
with the collector back on."""

from __future__ import annotations

import gc
import weakref

from bch.cli import heap


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_start_up_pauses_the_collector_and_ends_with_a_collected_frozen_heap():
    assert gc.isenabled()
    try:
        heap.pause()
        assert not gc.isenabled()
        with heap.collecting():  # the first load of the shipped data
            assert gc.isenabled()
        assert not gc.isenabled()
        garbage = weakref.ref(Cycle())  # freed by a collection only
        kept = Cycle()
        assert garbage() is not None and any(o is kept for o in gc.get_objects())
        heap.settle()
        assert gc.isenabled()
        assert garbage() is None  # collected before the freeze, not frozen with the rest
        assert not any(o is kept for o in gc.get_objects())  # frozen: no collection walks it
    finally:
        gc.enable()
