"""Broad CBD v2013 queries at scale (SQLite): the database of bench_api (BENCH_RECORDS records,
default 1,000,000, real records plus labelled synthetic copies; kept in BENCH_DIR when set),
then, over HTTP against a real uvicorn server, the pages of queries that no column filter
answers: a text word in `q` and a thesaurus term clause, each sorted, several pages deep.

Each page is timed on its own (the first page of a query pays for any warm-up; later pages show
whether the work is repeated per page). A page that takes longer than BENCH_V2013_TIMEOUT
seconds (default 900) is reported as a timeout instead of a figure."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.bench_api import build
from bench.servers import bch_server, wait_for_index

SORT = "updatedDate_dt desc, identifier_s asc"
PAGES = (0, 20, 1000)  # start offsets, 20 rows each (BENCH_V2013_PAGES="0,20" to change)
QUERIES = {
    "text_q_maize": [("q", "maize")],
    "term_traits_herbicides": [
        ("q", "*:*"),
        ("fq", "lmoTraits_REL_ss:dnaSequenceTraits.herbicides"),
    ],
    "text_and_schema": [("q", "soybean"), ("fq", "schema_s:biosafetyDecision")],
}


def v2013_url(params: list[tuple[str, str]], start: int, rows: int = 20) -> str:
    common = [("sort", SORT), ("start", str(start)), ("rows", str(rows)), ("wt", "json")]
    common.append(("fl", "identifier_s,title_t,updatedDate_dt"))
    return "/api/v2013/index/select?" + urlencode([*params, *common])


def measure_pages(client: httpx.Client, base: str, timeout: float) -> dict[str, object]:
    out: dict[str, object] = {}
    pages = [int(p) for p in os.environ.get("BENCH_V2013_PAGES", "").split(",") if p] or PAGES
    for name, params in QUERIES.items():
        for start in pages:
            began = time.perf_counter()
            try:
                r = client.get(base + v2013_url(params, start), timeout=timeout)
            except httpx.TimeoutException:
                out[f"{name}_start{start}"] = f"timeout > {timeout:.0f} s"
                continue
            took = time.perf_counter() - began
            if r.status_code != 200:
                raise RuntimeError(f"{name} start={start} -> {r.status_code}: {r.text[:300]}")
            found = r.json()["response"]["numFound"]
            out[f"{name}_start{start}"] = f"{took * 1000:,.0f} ms (numFound {found:,})"
            print(name, start, out[f"{name}_start{start}"], flush=True)
    return out


def main() -> None:
    total = int(os.environ.get("BENCH_RECORDS", "1000000"))
    timeout = float(os.environ.get("BENCH_V2013_TIMEOUT", "900"))
    keep = os.environ.get("BENCH_DIR")
    root = Path(keep or tempfile.mkdtemp(prefix="bch-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    path = root / "bench.db"
    figures: dict[str, object] = {}
    if not path.exists():
        svc, load = build(path, total)
        svc.close()
        figures["load_s"] = round(load, 1)
    figures["db_mb"] = round(path.stat().st_size / 2**20)
    server = bch_server(path)
    try:
        with httpx.Client(timeout=timeout) as c:
            figures["search_index_build_s"] = wait_for_index(c, server)
            figures.update(measure_pages(c, server.url(""), timeout))
        figures["server_peak_rss_mb"] = round(server.peak_rss_mb())
    finally:
        server.stop()
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
