"""The heap of a server process's start-up (`bch serve`, each of its worker processes).

No automatic garbage collection while the process imports and builds the application: about a
sixth of a start's CPU went to collections walking the modules, routes and schemas it had just
made, which all live as long as the process. Once built, one collection, then what is left is
frozen (gc.freeze): the collections of the requests never walk it again. The first load of the
shipped data, a long part of some starts, runs with the collector on, and a start that fails
(a bad setting, a database that cannot be opened) leaves it on as well: the command may have
been run inside another process (the tests run `bch serve` in-process with a bad setting)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def start_up() -> Iterator[None]:
    """The start-up: no automatic collection until settle(), the collector on again when the
    block ends, whether the start got that far or not."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def collecting() -> Iterator[None]:
    """A long part of the start-up (the first load of the shipped data), collector on."""
    gc.enable()
    try:
        yield
    finally:
        gc.disable()


def settle() -> None:
    """The start-up is over: collect once, freeze what is left, collect automatically again."""
    gc.collect()
    gc.freeze()
    gc.enable()
