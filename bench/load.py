"""`make load` and `make soak` (issue 15 item 5): locust (pinned in the `load` extra) runs the
realistic mix of bench/locustfile.py against a real `bch serve` with 100 concurrent users, then
prints requests/s, p50 and p99 per kind of request and in all, and fails on any error. `--soak`
samples the memory (RSS) of the server's processes every 10 s and says whether it stayed flat.

The server runs on a copy of the shipped real data (imported once into LOAD_DIR, default
/tmp/bch-load), with a test account (`bch user add`, Kenya's focal point) whose writes publish
synthetic authority records labelled as such. The load generator is one client address:
BCH_RATE_EXEMPT_IPS=127.0.0.1 exempts it from the public rate limit and BCH_RATE_WRITE is raised
for the test account, as an operator does for a trusted harvester (docs/DEPLOY.md).

Besides latencies, the CPU time the server's processes spent per request (psutil, over the run):
locust runs on the same cores, and other work on the machine moves latencies far more than it.
`--profile FILE` runs one worker with every thread under cProfile (bench/profiled.py) and writes its profile to FILE at the end, then
prints the functions with the most cumulative time (where the server's time went under the mix).

`--requests N` ends the run once N requests were answered, with `--seconds` as its bound (the
suite's short run: on a loaded machine a few seconds may pass before the first answer).

python -m bench.load [--seconds 60] [--users 100] [--workers N] [--soak] [--database URL]
                     [--profile FILE] [--requests N]"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.bench_reads import cpu_seconds, lmo_page_path
from bench.servers import Server, free_port

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "load-test@kenya.example.org", "Load-test-password-42!"


def prepare(root: Path) -> Path:
    """A fresh copy of the shipped data (imported once as the template)."""
    template = root / "template.db"
    if not template.exists():
        subprocess.run(
            [str(BIN / "bch"), "import", "--database", f"sqlite:///{template}"], check=True
        )
        subprocess.run(
            [str(BIN / "bch"), "user", "add", EMAIL, "--role", "nfp", "--country", "KE"]
            + ["--password", PASSWORD, "--database", f"sqlite:///{template}"],
            check=True,
        )
    db = root / "load.db"
    for suffix in ("", "-wal", "-shm", ".search-index"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, db)
    if Path(f"{template}.search-index").exists():
        shutil.copy(f"{template}.search-index", f"{db}.search-index")
    return db


def paths(db: Path, root: Path) -> Path:
    with sqlite3.connect(db) as conn:
        records = conn.execute(
            "SELECT realm, short_code, owner, id FROM documents WHERE deleted_at IS NULL"
        ).fetchall()
        uids = conn.execute("SELECT DISTINCT uid_key FROM lmo_uids WHERE kind = 'exact'").fetchall()
        last = conn.execute("SELECT max(seq) FROM changes").fetchone()[0] or 0
    out = {
        "records": [f"/api/v1/records/{r}-{s}-{o}-{i}" for r, s, o, i in records],
        "lmo_pages": [lmo_page_path(u) for (u,) in uids],
        "exports": [
            "/api/v1/export/organism.ndjson",
            "/api/v1/export/dnaSequence.csv",
            "/api/v1/export/biosafetyLaw.ndjson",
        ],
        "last_sequence": last,
    }
    file = root / "paths.json"
    file.write_text(json.dumps(out))
    return file


def _rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes, MB."""
    import psutil

    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)]
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):  # a worker may be restarting
            total += p.memory_info().rss
    return total / 2**20


def run(args: argparse.Namespace) -> int:
    root = Path(os.environ.get("LOAD_DIR", "/tmp/bch-load"))
    root.mkdir(parents=True, exist_ok=True)
    if args.database:
        url, paths_file = args.database, Path(args.paths)
    else:
        db = prepare(root)
        url, paths_file = f"sqlite:///{db}", paths(db, root)
    os.environ.update(
        {
            "BCH_RATE_EXEMPT_IPS": "127.0.0.1",  # the load generator: a trusted client
            "BCH_RATE_WRITE": "1000000/60",  # the test account publishes as fast as it can
            "BCH_RATE_LOGIN": "1000/60",
        }
    )
    port = free_port()
    cmd = [str(BIN / "bch"), "serve", "--port", str(port), "--database", url]
    if args.profile:  # one process: cProfile sees every request (written when it stops)
        cmd = [sys.executable, "-m", "bench.profiled", args.profile, *cmd[1:], "--workers", "1"]
    elif args.workers:
        cmd += ["--workers", str(args.workers)]
    server = Server(cmd, port, "/healthz")
    try:
        r = httpx.post(
            server.url("/api/v1/auth/token"),
            json={"email": EMAIL, "password": PASSWORD, "days": 1},
            timeout=30,
        )
        token = r.json()["token"] if r.status_code == 200 else ""
        if not token:
            print(f"no test account token ({r.status_code}): the mix runs without writes")
        prefix = root / "locust"
        env = {**os.environ, "LOAD_PATHS": str(paths_file), "LOAD_TOKEN": token}
        env["LOAD_REQUESTS"] = str(args.requests or "")
        locust = [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.users if args.seconds < 30 or args.requests else max(1, args.users // 5)),
            "--run-time",
            f"{args.seconds}s",
            "--host",
            server.url(""),
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        cpu = cpu_seconds(server.proc.pid)
        driver = resource.getrusage(resource.RUSAGE_CHILDREN)  # locust's CPU: after it ends
        proc = subprocess.Popen(locust, env=env, stdout=subprocess.DEVNULL)
        samples: list[tuple[float, float]] = []
        start = time.monotonic()
        while proc.poll() is None:
            samples.append((time.monotonic() - start, _rss_mb(server.proc.pid)))
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        cpu = cpu_seconds(server.proc.pid) - cpu
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the reaped locust, only
        locust_cpu = (after.ru_utime + after.ru_stime) - (driver.ru_utime + driver.ru_stime)
        load = os.getloadavg()
        print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        # the load generator shares the cores: its CPU is taken from the server's
        print(
            f"locust CPU: {locust_cpu:.1f} s in {wall:.0f} s ({100 * locust_cpu / wall:.0f} % of "
            f"one core; server {cpu:.1f} s, locust {100 * locust_cpu / max(cpu, 1e-9):.0f} % of it)"
        )
        return report(prefix, samples, args, cpu)
    finally:
        server.stop()
        if args.profile:
            show_profile(args.profile)


def show_profile(path: str, top: int = 40) -> None:
    import pstats

    if not Path(path).exists():
        print(f"no profile was written to {path}")
        return
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def report(prefix: Path, samples: list[tuple[float, float]], args, cpu: float = 0.0) -> int:
    rows = read_csv(Path(f"{prefix}_stats.csv"))
    until = f"{args.requests} requests (at most {args.seconds} s)" if args.requests else ""
    print(
        f"{args.users} users, {until or f'{args.seconds} s'}, "
        f"bch serve workers: {args.workers or 'cores'}"
    )
    print(f"{'request':16} {'count':>7} {'fails':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}")
    failures = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        failures += int(row["Failure Count"]) if name != "ALL" else 0
        print(
            f"{name:16} {row['Request Count']:>7} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['99%']:>7}"
        )
    total = sum(int(r["Request Count"]) for r in rows if r["Name"] != "Aggregated")
    if total:
        print(f"server CPU: {cpu:.1f} s in all, {1000 * cpu / total:.2f} ms per request")
    errors = Path(f"{prefix}_failures.csv")
    if errors.exists():
        for row in read_csv(errors)[:10]:
            print("failure:", row["Method"], row["Name"], row["Error"][:200], row["Occurrences"])
    if samples:
        first, last = samples[0][1], samples[-1][1]
        peak = max(m for _, m in samples)
        print(
            f"server RSS (all processes): first {first:.0f} MB, last {last:.0f} MB, peak {peak:.0f} MB"
        )
        if args.soak and len(samples) >= 6:
            # flat: the last third's mean within 10 % of the second third's (after warm-up)
            n = len(samples) // 3
            mid = sum(m for _, m in samples[n : 2 * n]) / n
            end = sum(m for _, m in samples[2 * n :]) / len(samples[2 * n :])
            verdict = "flat" if end <= mid * 1.10 else "GROWING"
            print(
                f"memory {verdict}: mean {mid:.0f} MB in the middle third, {end:.0f} MB in the last"
            )
            if verdict != "flat":
                failures += 1
    print("OK: no error" if failures == 0 else f"FAILED: {failures} errors")
    return 0 if failures == 0 else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--workers", type=int, default=0, help="0: bch serve's default (cores)")
    ap.add_argument("--soak", action="store_true")
    ap.add_argument("--database", help="serve this database (with --paths) instead of a copy")
    ap.add_argument("--paths", help="paths.json for --database")
    ap.add_argument("--profile", help="one worker under cProfile; its profile is written here")
    ap.add_argument(
        "--requests",
        type=int,
        default=0,
        help="end once this many were answered (--seconds: bound)",
    )
    return run(ap.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
