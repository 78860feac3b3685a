"""Read throughput side by side (issue 15 item 2), with wrk (2 threads, 50 connections): record
GET on `bch serve --workers 1`, on Datasette serving the same SQLite file (its row JSON), on a
bare Starlette app (bench/bare_starlette.py) in the same run, then on `bch serve --workers 2`;
and the LMO page at 50 connections. Every server runs alone while it is measured. Record GETs
and LMO pages are measured on first reads (each answer rendered, then kept by the read cache)
and after one pass over every path (the cache's steady state until the next write).

The database is the shipped real data (BENCH_DIR, default /tmp/bench-reads: imported once).
wrk is Debian's (scripts/ensure-wrk.sh); Datasette is installed in a throwaway virtualenv
(bench/servers.py). BENCH_SECONDS (default 15) per measurement."""

from __future__ import annotations

import os
import re
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx

from bch.records.oecd_uid import try_parse_uid
from bench.servers import Server, datasette_server, free_port

HERE = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))


def _database(root: Path) -> Path:
    db = root / "bch.db"
    if not db.exists():
        bch = Path(sys.executable).with_name("bch")
        subprocess.run([str(bch), "import", "--database", f"sqlite:///{db}"], check=True)
    return db


def lmo_page_path(uid_key: str, lang: str = "en") -> str:
    """The page of an LMO under its canonical UID (MON-ØØ81Ø-6: the stored key MON-00810-6 is
    answered with a redirect to it)."""
    parsed = try_parse_uid(uid_key)
    return f"/{lang}/lmos/{quote(parsed.canonical if parsed else uid_key, safe='')}"


def _paths(db: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    """Record GET paths (every live record), Datasette's row paths of the same records, LMO
    page paths (every LMO) and the LMOs' JSON by UID (GET /api/v1/lmos/{uid})."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT id, realm, short_code, owner FROM documents WHERE deleted_at IS NULL"
        ).fetchall()
        lmos = conn.execute("SELECT DISTINCT uid_key FROM lmo_uids WHERE kind = 'exact'").fetchall()
    records = [f"/api/v1/records/{r}-{s}-{o}-{i}" for i, r, s, o in rows]
    datasette = [f"/bch/documents/{i}.json" for i, *_ in rows]
    pages = [lmo_page_path(uid) for (uid,) in lmos]
    lmo_json = ["/api/v1/lmos/" + quote(uid, safe="") for (uid,) in lmos]
    return records, datasette, pages, lmo_json


def _script(root: Path, name: str, paths: list[str]) -> Path:
    """A wrk Lua script that requests the paths in turn."""
    lua = root / f"{name}.lua"
    body = ",\n".join(f'"{p}"' for p in paths)
    lua.write_text(
        f"paths = {{\n{body}\n}}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        "  return wrk.format('GET', paths[i])\nend\n"
    )
    return lua


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a server process and its workers."""
    import psutil

    proc = psutil.Process(pid)
    total = 0.0
    for p in (proc, *proc.children(recursive=True)):
        t = p.cpu_times()
        total += t.user + t.system
    return total


def wrk(
    url: str, script: Path, connections: int = 50, seconds: int = SECONDS, pid: int | None = None
) -> dict:
    """Requests/s, p50 and p99 (ms) and errors of one wrk run; with the server's `pid`, the
    CPU time it spent per request (ms): what a core can serve, whatever else the machine runs;
    and wrk's own CPU time per request (it shares the two cores with the servers)."""
    cpu = cpu_seconds(pid) if pid else 0.0
    own = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk's CPU once it has been waited for
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = int(re.search(r"(\d+) requests in", out).group(1))
    cpu_ms = (cpu_seconds(pid) - cpu) * 1000 / max(done, 1) if pid else float("nan")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_s = used.ru_utime + used.ru_stime - own.ru_utime - own.ru_stime
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": round(rps),
        "p50_ms": round(ms("50%"), 1),
        "p99_ms": round(ms("99%"), 1),
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "cpu_ms": round(cpu_ms, 3),
        "wrk_cpu_ms": round(wrk_s * 1000 / max(done, 1), 3),
    }


def _visit(server: Server, paths: list[str]) -> None:
    """Each path once, in turn (what the read cache keeps after a first pass)."""
    with httpx.Client(timeout=120) as client:
        for path in paths:
            client.get(server.url(path))


def _bch(db: Path, workers: int | None) -> Server:
    """`bch serve` on `db` (`workers` None: its default, a worker per core)."""
    port = free_port()
    bch = str(Path(sys.executable).with_name("bch"))
    os.environ["BCH_RATE_LIMIT"] = "off"  # measure the server, not the limiter
    cmd = [bch, "serve", *(["--workers", str(workers)] if workers else []), "--port", str(port)]
    # measured once ready (/readyz: index built, start-up warming ended), as a load balancer
    # sends it readers: the first requests do not compete with the warming thread
    return Server([*cmd, "--database", f"sqlite:///{db}"], port, "/readyz")


def prepared() -> tuple[Path, Path]:
    """wrk installed, and the benchmark's directory (BENCH_DIR) with its database."""
    subprocess.run(["sh", str(HERE / "scripts" / "ensure-wrk.sh")], check=True)
    root = Path(os.environ.get("BENCH_DIR", "/tmp/bench-reads"))
    root.mkdir(parents=True, exist_ok=True)
    return root, _database(root)


def main() -> None:
    root, db = prepared()
    records, ds_paths, pages, lmo_json = _paths(db)
    rec_lua, ds_lua = _script(root, "records", records), _script(root, "datasette", ds_paths)
    hot_lua = _script(root, "hot-records", records[:200])  # the popular records: cache hits
    page_lua = _script(root, "lmo-pages", pages)
    lmo_lua = _script(root, "lmo-json", lmo_json)
    figures: dict[str, dict] = {}

    server = _bch(db, 1)
    try:
        pid, url = server.proc.pid, server.url("")
        wrk(url, rec_lua, seconds=3)  # warm up
        figures["bch record GET, first reads"] = wrk(url, rec_lua, pid=pid)
        _visit(server, records)  # every record read once: the steady state of a public server
        figures["bch record GET, 1 process"] = wrk(url, rec_lua, pid=pid)
        figures["bch hot records, 1 process"] = wrk(url, hot_lua, pid=pid)
        figures["bch LMO page, first renders"] = wrk(url, page_lua, pid=pid)
        _visit(server, pages)
        figures["bch LMO page, 1 process"] = wrk(url, page_lua, pid=pid)
        _visit(server, lmo_json)
        figures["bch LMO JSON by UID, 1 process"] = wrk(url, lmo_lua, pid=pid)
    finally:
        server.stop()

    server = datasette_server(root, db, "--setting", "num_sql_threads", "3")
    if server is not None:
        try:
            wrk(server.url(""), ds_lua, seconds=3)
            figures["Datasette 0.65.5 row JSON"] = wrk(server.url(""), ds_lua, pid=server.proc.pid)
        finally:
            server.stop()

    port = free_port()
    server = Server(
        [sys.executable, "-m", "bench.bare_starlette", str(port)], port, "/api/v1/records/x"
    )
    try:
        wrk(server.url(""), rec_lua, seconds=3)
        figures["bare Starlette, fixed JSON"] = wrk(server.url(""), rec_lua, pid=server.proc.pid)
    finally:
        server.stop()

    server = _bch(db, 2)
    try:
        pid, url = server.proc.pid, server.url("")
        # each worker keeps its own cache: warmed by enough requests to reach both
        wrk(url, rec_lua, seconds=max(10, SECONDS))
        figures["bch record GET, 2 workers"] = wrk(url, rec_lua, pid=pid)
        figures["bch hot records, 2 workers"] = wrk(url, hot_lua, pid=pid)
        wrk(url, page_lua, seconds=max(20, SECONDS))
        figures["bch LMO page, 2 workers"] = wrk(url, page_lua, pid=pid)
    finally:
        server.stop()

    print(
        f"{'':34} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'CPU ms/req':>10}"
        f" {'wrk CPU ms/req':>14}"
    )
    for name, f in figures.items():
        print(
            f"{name:34} {f['rps']:>7} {f['p50_ms']:>8} {f['p99_ms']:>8} {f['non2xx']:>8}"
            f" {f['cpu_ms']:>10} {f['wrk_cpu_ms']:>14}"
        )
    one = figures["bch record GET, 1 process"]["rps"]
    for name in (
        "Datasette 0.65.5 row JSON",
        "bare Starlette, fixed JSON",
        "bch record GET, 2 workers",
    ):
        if name in figures:
            print(f"bch 1 process / {name}: {one / figures[name]['rps']:.2f}")
    if "bch record GET, 2 workers" in figures:
        two = figures["bch record GET, 2 workers"]["rps"]
        print(f"bch 2 workers / bch 1 process: {two / one:.2f}")
    print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
