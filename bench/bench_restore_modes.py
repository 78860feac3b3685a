"""`bch restore` of the shipped real data with the search indexes rebuilt once (as it ships,
bch.storage.backup.bulk_load) and fed row by row (bulk_load replaced by a no-op, as before),
ROUNDS times each, alternating the order, into new databases of each kind (SQLite, PostgreSQL
when reachable): the median of each mode and their ratio. On a loaded machine one pair is
noise; alternating pairs are not."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

from bch.importer.run import import_shipped
from bch.services.container import Services
from bch.storage import backup as storage_backup

ROUNDS = 3
MODES = ("row by row", "rebuilt once")


def _restore(url: str, archive: Path, mode: str) -> float:
    real = storage_backup.bulk_load
    if mode == "row by row":
        storage_backup.bulk_load = lambda _conn: nullcontext()
    target = Services.open(url, upgrade=False)
    try:
        start = time.perf_counter()
        target.backup.restore(archive)
        return time.perf_counter() - start
    finally:
        target.close()
        storage_backup.bulk_load = real


def run(name: str, new_url, archive: Path, rows: int) -> None:
    times: dict[str, list[float]] = {m: [] for m in MODES}
    for i in range(ROUNDS):
        for mode in MODES if i % 2 == 0 else reversed(MODES):
            with new_url(f"{i}{len(mode)}") as url:
                times[mode].append(_restore(url, archive, mode))
    median = {m: statistics.median(v) for m, v in times.items()}
    for mode in MODES:
        runs = ", ".join(f"{t:.1f}" for t in times[mode])
        print(
            f"[{name}] {mode}: median {median[mode]:.1f} s ({rows / median[mode]:,.0f} rows/s;"
            f" runs {runs} s)"
        )
    print(f"[{name}] speed-up: {median['row by row'] / median['rebuilt once']:.2f}x")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        svc = Services.open(f"sqlite:///{folder / 'source.db'}")
        try:
            import_shipped(svc)
            archive = folder / "bch.tar"
            rows = svc.backup.backup(archive).rows
        finally:
            svc.close()

        def sqlite_url(tag: str):
            return nullcontext(f"sqlite:///{folder / f'r{tag}.db'}")

        run("sqlite", sqlite_url, archive, rows)
        try:
            from tests.postgres import server_problem, throwaway_database
        except ImportError:
            return
        if server_problem() is None:
            run("postgresql", lambda t: throwaway_database(f"rm{os.getpid()}{t}"), archive, rows)


if __name__ == "__main__":
    main()
