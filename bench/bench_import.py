"""`bch import` of the shipped real data into an empty migrated database: CPU seconds of the
import (psutil, this process; PostgreSQL's own server CPU is not in it), per backend, and with
BENCH_PROFILE=1 the ms per document spent in each stage (cProfile cumulative times).

    BENCH_BACKENDS=sqlite,postgres python -m bench.bench_import
    BENCH_TEMPLATES=1 python -m bench.bench_import   # the suite's template build instead

Run it from a detached worktree of `main` (PYTHONPATH=<that>/src) for the "before" figure of the
same run. PostgreSQL: the tests' server (tests/postgres.py, BCH_TEST_POSTGRES_URL)."""

from __future__ import annotations

import cProfile
import os
import pstats
import tempfile
import time
import uuid
from pathlib import Path

import psutil

from bch.importer.run import import_shipped
from bch.services.container import Services

# (label, (file suffix, function name)) of the stages worth naming; the first match counts
STAGES = [
    ("build_plan (read and shape the shipped files)", ("importer/plan.py", "build_plan")),
    ("validate + sanitise (_checked)", ("services/records.py", "_checked")),
    ("validate (bulk path)", ("services/record_import.py", "_checked")),
    ("derive rows (_new_revision)", ("services/records.py", "_new_revision")),
    ("index entries (tokens_row)", ("storage/search_index.py", "tokens_row")),
    ("write one record (storage publish)", ("storage/records.py", "publish")),
    ("write in bulk (bulk_publish)", ("storage/bulk.py", "bulk_publish")),
    ("PostgreSQL COPY (copy_rows)", ("storage/bulk_copy.py", "copy_rows")),
    ("text index rebuilt (restore_text_index)", ("storage/bulk.py", "restore_text_index")),
    ("GIN indexes rebuilt (indexes_rebuilt)", ("storage/bulk_copy.py", "indexes_rebuilt")),
    ("commit", ("sqlalchemy/engine/base.py", "commit")),
]


def _url(backend: str, folder: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'bch.db'}", None
    from tests.postgres import create_database

    name = f"bch_bench_import_{uuid.uuid4().hex[:8]}"
    return create_database(name), name


def run(backend: str, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url, pg_name = _url(backend, Path(tmp))
        svc = Services.open(url)
        try:
            proc = psutil.Process()
            before = proc.cpu_times()
            wall = time.perf_counter()
            profiler = cProfile.Profile(time.process_time) if profile else None
            if profiler:
                profiler.enable()
            summary = import_shipped(svc)
            if profiler:
                profiler.disable()
            wall = time.perf_counter() - wall
            after = proc.cpu_times()
            cpu = (after.user - before.user) + (after.system - before.system)
            n = sum(summary.published.values()) if summary else 0
            print(
                f"{backend}: {n} documents published, import CPU {cpu:.2f} s "
                f"({cpu / max(n, 1) * 1000:.2f} ms/document), wall {wall:.2f} s, "
                f"load average {os.getloadavg()[0]:.1f}" + (" (under cProfile)" if profiler else "")
            )
            if profiler:
                _stages(profiler, n)
        finally:
            svc.close()
            if pg_name:
                from tests.postgres import drop_database

                drop_database(pg_name)


def _stages(profiler: cProfile.Profile, n: int) -> None:
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.values())
    print(f"  profiled total {total:.2f} s of CPU (process_time)")
    for label, (suffix, name) in STAGES:
        cum = [
            ct
            for (file, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items()
            if func == name and file.replace("\\", "/").endswith(suffix)
        ]
        if cum:
            seconds = max(cum)
            print(
                f"  {label:45s} {seconds:7.2f} s  {seconds / max(n, 1) * 1000:6.2f} ms/doc "
                f"{seconds / total * 100:5.1f} %"
            )


def template(backend: str) -> None:
    """The suite's template of the loaded database (tests/templates.py), built once: CPU and
    wall seconds of this process (the import, and the copy of the file or the database)."""
    from tests.postgres import drop_databases
    from tests.templates import ShippedTemplates, run_prefix

    run_id = f"bench{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as tmp:
        templates = ShippedTemplates(Path(tmp), run_id)
        proc = psutil.Process()
        before, wall = proc.cpu_times(), time.perf_counter()
        try:
            templates.sqlite() if backend == "sqlite" else templates.postgres()
            wall = time.perf_counter() - wall
            after = proc.cpu_times()
        finally:
            if backend != "sqlite":
                drop_databases(run_prefix(run_id))
    cpu = (after.user - before.user) + (after.system - before.system)
    print(
        f"{backend} template (tests/templates.py): CPU {cpu:.2f} s, wall {wall:.2f} s, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    profile = os.environ.get("BENCH_PROFILE") == "1"
    for backend in os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(","):
        if os.environ.get("BENCH_TEMPLATES") == "1":
            template(backend.strip())
        else:
            run(backend.strip(), profile)


if __name__ == "__main__":
    main()
