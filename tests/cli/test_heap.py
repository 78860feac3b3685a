"""A server process's start-up heap (bch/cli/heap.py): no automatic collection while it starts,
the collector on for the first load of the shipped data, then one collection and the heap frozen
with the collector back on; a start that fails leaves the collector on."""

from __future__ import annotations

import gc
import weakref

from typer.testing import CliRunner

from bch.cli import app, heap


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_the_start_up_pauses_the_collector_and_ends_with_a_collected_frozen_heap():
    assert gc.isenabled()
    try:
        with heap.start_up():
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
        assert gc.isenabled()
    finally:
        gc.enable()


def test_a_start_that_fails_leaves_the_collector_on(tmp_path):
    """`bch serve` run inside this process with a bad setting: exit code 2, and this process
    still collects its garbage (it did not, and a later test found the collector off)."""
    try:
        result = CliRunner().invoke(
            app,
            ["serve", "--database", f"sqlite:///{tmp_path / 'x.db'}"],
            env={"BCH_SQLITE_BUSY_TIMEOUT": "abc"},
        )
        assert result.exit_code == 2, result.output
        assert gc.isenabled()
    finally:
        gc.enable()
