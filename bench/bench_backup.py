"""`bch backup` and `bch restore` on the shipped real data (SQLite, and PostgreSQL when
reachable): rows, archive size, backup and restore time, and the rows per second of each.

Restore runs twice into new, empty databases in the same run: as it ships (the search indexes
rebuilt once at the end, bch.storage.backup.bulk_load) and with the indexes fed row by row as
before (bulk_load replaced by a no-op), so the ratio of the two is measured on the same load."""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path

from bch.importer.run import import_shipped
from bch.services.container import Services
from bch.storage import backup as storage_backup


def run_backend(name: str, url: str, target_urls: dict[str, str], folder: Path) -> None:
    svc = Services.open(url)
    try:
        import_shipped(svc)
        archive = folder / f"{name}.tar"
        start = time.perf_counter()
        report = svc.backup.backup(archive)
        t_backup = time.perf_counter() - start
    finally:
        svc.close()
    rows = report.rows
    print(
        f"[{name}] {rows:,} rows in {len(report.manifest['counts'])} tables, archive "
        f"{archive.stat().st_size / 2**20:.1f} MiB; backup {t_backup:.1f} s "
        f"({rows / t_backup:,.0f} rows/s)"
    )
    figures = {}
    for mode, url in target_urls.items():
        target = Services.open(url, upgrade=False)
        try:
            with _indexes_fed_row_by_row(mode == "row by row"):
                start = time.perf_counter()
                restored = target.backup.restore(archive)
                figures[mode] = time.perf_counter() - start
        finally:
            target.close()
        print(
            f"[{name}] restore, search indexes {mode}: {figures[mode]:.1f} s "
            f"({restored.rows / figures[mode]:,.0f} rows/s, checksums and migrations included)"
        )
    print(f"[{name}] restore speed-up: {figures['row by row'] / figures['rebuilt once']:.2f}x")


@contextmanager
def _indexes_fed_row_by_row(on: bool):
    """The restore of before: triggers and indexes left in place while the rows are written."""
    if not on:
        yield
        return
    real = storage_backup.bulk_load
    storage_backup.bulk_load = lambda _conn: nullcontext()
    try:
        yield
    finally:
        storage_backup.bulk_load = real


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run_backend(
            "sqlite",
            f"sqlite:///{folder / 'bench.db'}",
            {
                "row by row": f"sqlite:///{folder / 'r1.db'}",
                "rebuilt once": f"sqlite:///{folder / 'r2.db'}",
            },
            folder,
        )
        try:
            from tests.postgres import server_problem, throwaway_database
        except ImportError:
            return
        if server_problem() is None:
            pid = os.getpid()
            with (
                throwaway_database(f"benchb{pid}") as url,
                throwaway_database(f"benchr{pid}") as row_by_row,
                throwaway_database(f"benchs{pid}") as rebuilt,
            ):
                targets = {"row by row": row_by_row, "rebuilt once": rebuilt}
                run_backend("postgresql", url, targets, folder)


if __name__ == "__main__":
    main()
