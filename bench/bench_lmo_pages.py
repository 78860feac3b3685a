"""The LMO page at 50 connections (issue 15 item 2: p99 <= 300 ms): wrk, 2 threads, 50
connections, over every LMO page of the shipped data, against `bch serve` started just before
(BENCH_LMO_WORKERS, default 1): first renders while the process is new (what its start-up work
and the first render cost readers), then, after every page was read once, the kept pages (the
page cache; 304s are not used: wrk sends no If-None-Match). The server's CPU per request
(psutil) and the load average are printed: on a shared machine they say more than latencies.
BENCH_LMO_WORKERS is a comma-separated list of worker counts, each a new server measured in
turn in the same run ("default": no --workers, `bch serve`'s worker per core).

python -m bench bench_lmo_pages (BENCH_DIR=/tmp/bench-reads, BENCH_SECONDS=15,
BENCH_LMO_WORKERS=1, e.g. BENCH_LMO_WORKERS=1,default)"""

from __future__ import annotations

import os

from bench.bench_reads import _bch, _paths, _script, _visit, prepared, wrk


def main() -> None:
    root, db = prepared()
    _records, _ds, pages, _lmo_json = _paths(db)
    page_lua = _script(root, "lmo-pages", pages)
    figures: dict[str, dict] = {}
    for workers in os.environ.get("BENCH_LMO_WORKERS", "1").split(","):
        n = None if workers == "default" else int(workers)
        server = _bch(db, n)
        label = f"--workers {workers}"
        try:
            pid, url = server.proc.pid, server.url("")
            figures[f"{label}, first renders (new process)"] = wrk(url, page_lua, pid=pid)
            _visit(server, pages)
            figures[f"{label}, kept pages"] = wrk(url, page_lua, pid=pid)
        finally:
            server.stop()
        figures[f"{label}, first renders (new process)"]["load"] = os.getloadavg()[0]
    print(f"{len(pages)} LMO pages, bch serve, wrk -t2 -c50")
    print(
        f"{'':48} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'CPU ms/req':>10}"
        f" {'load':>6}"
    )
    for name, f in figures.items():
        load = f"{f['load']:.1f}" if "load" in f else ""
        print(
            f"{name:48} {f['rps']:>7} {f['p50_ms']:>8} {f['p99_ms']:>8} {f['non2xx']:>8}"
            f" {f['cpu_ms']:>10} {load:>6}"
        )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
