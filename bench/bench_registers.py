"""National register import (issue 12 item 5): preview, first import and idempotent re-import of
the real CFIA register (128 rows) with the shipped mapping ca_cfia, on the shipped data (SQLite,
imported once). Timings are medians of RUNS; the re-import is the common case (nothing changed)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bch.importer.run import import_shipped
from bch.services.container import Services

RUNS = 5
CFIA = (
    Path(__file__).resolve().parents[1]
    / "data/raw/cfia_pnt_and_bch_decisions_gmo_map/cfia_records.json"
)


def _median(fn) -> tuple[float, object]:
    times, out = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    data = CFIA.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        svc = Services.open(f"sqlite:///{tmp}/bch.db")
        try:
            import_shipped(svc)
            m = svc.registers.mapping("ca_cfia")
            preview, report = _median(lambda: svc.registers.preview(m, CFIA.name, data))
            first_start = time.perf_counter()
            svc.registers.import_rows(m, CFIA.name, data)
            first = time.perf_counter() - first_start
            again, report = _median(lambda: svc.registers.import_rows(m, CFIA.name, data))
        finally:
            svc.close()
    counts = report.counts  # type: ignore[attr-defined]
    print(f"rows: {len(report.rows)}; counts: {counts}")  # type: ignore[attr-defined]
    print(f"preview: {preview * 1000:.0f} ms (median of {RUNS})")
    print(f"first import: {first * 1000:.0f} ms; re-import: {again * 1000:.0f} ms (median)")
