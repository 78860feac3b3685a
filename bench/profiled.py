"""`bch serve` with every thread profiled (bench/load.py --profile): cProfile in each thread, so
the sync routes (run in the thread pool, which `python -m cProfile` never sees) are counted.
cProfile's clock is the wall clock (a CPU clock read through Python slowed the server tenfold):
on a loaded machine the times include waits for the CPU, so compare them with each other, not
with other runs. The profiles of all threads are summed and written to OUT when the server
stops (SIGTERM: uvicorn stops, then raises it again, here turned into an exit).

python -m bench.profiled OUT serve --workers 1 [bch serve options]"""

from __future__ import annotations

import cProfile
import pstats
import signal
import sys
import threading

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _start_in_thread(*_args) -> None:
    """The first profiling event of a new thread: give it its own profiler."""
    sys.setprofile(None)
    profile = cProfile.Profile()
    with _lock:
        _profiles.append(profile)
    profile.enable()


def main() -> None:
    out = sys.argv[1]
    sys.argv = ["bch", *sys.argv[2:]]
    from bch.cli import app

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # restored by uvicorn at its end
    threading.setprofile(_start_in_thread)
    _start_in_thread()
    try:
        app()
    except SystemExit:
        pass
    finally:
        _profiles[0].disable()
        total = None
        for profile in list(_profiles):
            try:
                stats = pstats.Stats(profile)
            except TypeError:  # a thread that ran nothing profiled
                continue
            total = stats if total is None else total.add(stats)
        if total is not None:
            total.dump_stats(out)


if __name__ == "__main__":
    main()
