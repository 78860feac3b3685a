"""The server's CPU time per request of each kind in the mix of `make load`, measured apart from
the machine's other load (issue 15: the load's p99 on a shared 2-core machine is mostly waiting
for a core; what the server spends per request is what can be made smaller).

One `bch serve --workers 1` on a copy of the shipped data (bench/load.py's), one client sending
the load's mix one request at a time in an order drawn from a fixed seed (record GET 5, search 3,
LMO page 2, change feed, web search, export, and a draft saved then published 1 each: the same
requests in every run, so two versions of the code are compared on the same sequence). The
server's CPU time (psutil: user + system) is read before and after each request: nothing else
runs in it meanwhile, so each request's CPU is its own (counted in clock ticks of 10 ms: only
the mean over many requests means something). Printed: requests, mean CPU ms per request per
kind and in all, and the wall-clock p50/p99 of the requests one at a time.

`BENCH_MIX_HOT=N`: record GETs and LMO pages drawn from N records and N LMOs only (a hot set,
read again and again between the writes: what a read cache is for), 0 (default): from all.

python -m bench bench_mix (BENCH_MIX_REQUESTS=1500, BENCH_MIX_SEED=7, BENCH_MIX_HOT=0,
LOAD_DIR=/tmp/bch-load)"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
import psutil

from bench.load import EMAIL, PASSWORD, paths, prepare
from bench.servers import Server, free_port

BIN = Path(sys.executable).parent
WORDS = ["maize", "soybean", "cotton", "canola", "glyphosate", "insect", "potato", "rice"]
MIX = [("record GET", 5), ("search", 3), ("LMO page", 2), ("change feed", 1), ("web search", 1)]
MIX += [("export", 1), ("publish", 1)]


def requests_of(kind: str, rnd: random.Random, p: dict) -> list[tuple[str, str, dict | None]]:
    """(method, path, JSON body) of one task of the mix (a publish is a draft PUT, then POST)."""
    if kind == "record GET":
        return [("GET", rnd.choice(p["records"]), None)]
    if kind == "search":
        return [("GET", f"/api/v1/records?q={rnd.choice(WORDS)}&limit=20", None)]
    if kind == "LMO page":
        return [("GET", rnd.choice(p["lmo_pages"]), None)]
    if kind == "change feed":
        since = rnd.randint(0, p["last_sequence"])
        return [("GET", f"/api/v1/changes?since={since}&limit=50", None)]
    if kind == "web search":
        return [("GET", f"/en/search?q={rnd.choice(WORDS)}", None)]
    if kind == "export":
        return [("GET", rnd.choice(p["exports"]), None)]
    ident = f"load-test-{uuid.UUID(int=rnd.getrandbits(128))}"
    doc = {
        "header": {"identifier": ident, "schema": "authority", "languages": ["en"]},
        "government": {"identifier": "KE"},
        "name": {"en": f"Load test authority {ident} (synthetic, not real data)"},
        "cpbOrganismTypes": [{"identifier": "TypeOfOrganisms.plants"}],
    }
    publish = ("POST", f"/api/v1/drafts/{ident}/publish", None)
    return [("PUT", f"/api/v1/drafts/{ident}", doc), publish]


def cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def run(n: int, seed: int, hot: int = 0) -> int:
    root = Path(os.environ.get("LOAD_DIR", "/tmp/bch-load"))
    root.mkdir(parents=True, exist_ok=True)
    db = prepare(root)
    p = json.loads(paths(db, root).read_text())
    os.environ.update({"BCH_RATE_EXEMPT_IPS": "127.0.0.1", "BCH_RATE_WRITE": "1000000/60"})
    port = free_port()
    cmd = [str(BIN / "bch"), "serve", "--port", str(port), "--database", f"sqlite:///{db}"]
    server = Server([*cmd, "--workers", "1"], port, "/healthz")
    rnd = random.Random(seed)
    if hot:
        p["records"] = random.Random(seed).sample(p["records"], hot)
        p["lmo_pages"] = random.Random(seed).sample(p["lmo_pages"], hot)
    kinds = [k for k, w in MIX for _ in range(w)]
    per: dict[str, list[tuple[float, float]]] = {}
    try:
        proc = psutil.Process(server.proc.pid)
        with httpx.Client(base_url=server.url(""), timeout=120) as client:
            r = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
            auth = {"Authorization": f"Bearer {r.json()['token']}"}
            # what every run pays once: imports, templates, the search index, the external
            # snapshots' background build started by the first LMO page (waited for)
            for path in ("/api/v1/records?q=maize", "/en/search?q=maize", p["lmo_pages"][0]):
                client.get(path)
            idle_until_quiet(proc)
            sent = 0
            while sent < n:
                kind = rnd.choice(kinds)
                for method, path, body in requests_of(kind, rnd, p):
                    name = kind if method == "GET" else ("draft PUT" if method == "PUT" else kind)
                    before = cpu(proc)
                    headers = auth if method != "GET" else None
                    r = client.request(method, path, json=body, headers=headers)
                    after = cpu(proc)
                    if r.status_code >= 400:
                        raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:200]}")
                    per.setdefault(name, []).append((after - before, r.elapsed.total_seconds()))
                    sent += 1
    finally:
        server.stop()
    report(per, n, seed, hot)
    return 0


def idle_until_quiet(proc: psutil.Process, quiet: float = 0.05, limit: float = 300) -> None:
    """Wait until the server spends less than `quiet` of a core (its background work done)."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        before = cpu(proc)
        time.sleep(2)
        if cpu(proc) - before < quiet * 2:
            return


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(per: dict[str, list[tuple[float, float]]], n: int, seed: int, hot: int) -> None:
    load = os.getloadavg()
    drawn = f"a hot set of {hot} records and {hot} LMOs" if hot else "every record and LMO"
    print(f"{n} requests one at a time, seed {seed}, reads of {drawn}")
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"{'request':12} {'count':>6} {'CPU ms':>8} {'wall p50':>9} {'wall p99':>9}")
    rows = sorted(per.items()) + [("ALL", [x for v in per.values() for x in v])]
    for name, xs in rows:
        cpus = [c * 1000 for c, _ in xs]
        walls = [w * 1000 for _, w in xs]
        print(
            f"{name:12} {len(xs):>6} {statistics.mean(cpus):>8.2f} "
            f"{pct(walls, 0.5):>9.1f} {pct(walls, 0.99):>9.1f}"
        )


def main() -> int:
    n = int(os.environ.get("BENCH_MIX_REQUESTS", "1500"))
    seed, hot = (
        int(os.environ.get("BENCH_MIX_SEED", "7")),
        int(os.environ.get("BENCH_MIX_HOT", "0")),
    )
    return run(n, seed, hot)


if __name__ == "__main__":
    raise SystemExit(main())
