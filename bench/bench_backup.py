"""`bch backup` and `bch restore` on the shipped real data (SQLite, and PostgreSQL when
reachable): rows, archive size, backup and restore time, and the rows per second of each."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bch.importer.run import import_shipped
from bch.services.container import Services


def run_backend(name: str, url: str, target_url: str, folder: Path) -> None:
    svc = Services.open(url)
    try:
        import_shipped(svc)
        archive = folder / f"{name}.tar"
        start = time.perf_counter()
        report = svc.backup.backup(archive)
        t_backup = time.perf_counter() - start
    finally:
        svc.close()
    target = Services.open(target_url, upgrade=False)
    try:
        start = time.perf_counter()
        restored = target.backup.restore(archive)
        t_restore = time.perf_counter() - start
    finally:
        target.close()
    rows = report.rows
    print(
        f"[{name}] {rows:,} rows in {len(report.manifest['counts'])} tables, archive "
        f"{archive.stat().st_size / 2**20:.1f} MiB; backup {t_backup:.1f} s "
        f"({rows / t_backup:,.0f} rows/s), restore {t_restore:.1f} s "
        f"({restored.rows / t_restore:,.0f} rows/s, checksums and migrations included)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run_backend(
            "sqlite", f"sqlite:///{folder / 'bench.db'}", f"sqlite:///{folder / 'r.db'}", folder
        )
        try:
            from tests.postgres import server_problem, throwaway_database
        except ImportError:
            return
        if server_problem() is None:
            with (
                throwaway_database(f"benchb{os.getpid()}") as url,
                throwaway_database(f"benchr{os.getpid()}") as target,
            ):
                run_backend("postgresql", url, target, folder)


if __name__ == "__main__":
    main()
