"""The SQL search engine alone (what answers while the in-memory index builds, or always with
BCH_SEARCH_INDEX=off), in process, on the database of bench_api (BENCH_DIR, BENCH_RECORDS,
default 1,000,000; built when missing): broad text queries in relevance order (the default of
the v1 search), first page and a later page, with their totals.

Each figure is the median of BENCH_SQL_REPEAT runs (default 3) of one request."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bch.services.container import Services
from bch.storage.search.contract import SearchRequest
from bch.storage.search.sql import SqlSearch
from bench.bench_api import build

QUERIES = ("maize", "soybean herbicide", "insect resistant maize", "glyphosate tolerant")


def measure(sql: SqlSearch, q: str, repeat: int) -> dict[str, object]:
    out: dict[str, object] = {}
    first = SearchRequest(q=q, sort="relevance", limit=20, include_total=True)
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        hits = sql.search(first)
        runs.append(time.perf_counter() - began)
    out[f"{q}: page 1 (total {hits.total:,})"] = f"{statistics.median(runs) * 1000:,.0f} ms"
    request = first
    for _ in range(4):  # the 5th page, by cursor
        if hits.after is None:
            break
        request = SearchRequest(q=q, sort="relevance", limit=20, after=hits.after)
        hits = sql.search(request)
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        sql.search(request)
        runs.append(time.perf_counter() - began)
    out[f"{q}: page 5"] = f"{statistics.median(runs) * 1000:,.0f} ms"
    return out


def main() -> None:
    total = int(os.environ.get("BENCH_RECORDS", "1000000"))
    repeat = int(os.environ.get("BENCH_SQL_REPEAT", "3"))
    root = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="bch-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    path = root / "bench.db"
    if path.exists():
        svc = Services.open(f"sqlite:///{path}")
    else:
        svc, _ = build(path, total)
    try:
        sql = SqlSearch(svc.db)
        for q in QUERIES:
            for name, figure in measure(sql, q, repeat).items():
                print(f"{name}: {figure}", flush=True)
    finally:
        svc.close()


if __name__ == "__main__":
    main()
