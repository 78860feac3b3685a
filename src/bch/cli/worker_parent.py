"""A worker process of `bch serve --workers N` ends when the `bch serve` that started it dies
(issue 15): uvicorn's supervisor starts its workers with multiprocessing's `spawn` and stops
them on SIGTERM or Ctrl-C, but a supervisor killed with SIGKILL (or by the OOM killer) left them
running, holding the port and the database (an orphaned server nobody stops).

Each worker watches its parent's sentinel (multiprocessing.parent_process(): the read end of a
pipe whose write end only the parent holds; it turns readable when the parent ends, whenever
and however, also if that happened before the watch began). Then the worker stops as on
SIGTERM: the requests in progress get BCH_SHUTDOWN_GRACE seconds, then it exits whatever is
left. A thread rather than Linux's PR_SET_PDEATHSIG: that fires when the parent's *thread* that
started the worker ends, and works on Linux only."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import wait

log = logging.getLogger(__name__)

MARGIN = 5.0  # seconds after the grace before the worker exits whatever it was doing


def end_with_parent(grace: float) -> threading.Thread | None:
    """Start the watch in a daemon thread (None in a process not started by multiprocessing)."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return None
    thread = threading.Thread(
        target=_watch, args=(parent.sentinel, parent.pid, grace), name="bch-parent", daemon=True
    )
    thread.start()
    return thread


def _watch(sentinel: int, parent: int | None, grace: float) -> None:
    wait([sentinel])  # returns once the parent has ended
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful stop (first: the log may fail)
    with contextlib.suppress(Exception):  # the output may have gone with the parent
        log.warning("the supervising bch serve (process %s) ended: this worker stops", parent)
    time.sleep(grace + MARGIN)
    os._exit(1)
