"""National nodes (issue 12), SQLite, real processes on 127.0.0.1:

* bootstrap: a new node (`bch node sync --once`, its own SQLite file) from a central (`bch serve`)
  holding BENCH_NODE_RECORDS records (default 100,000: the shipped real ones plus labelled
  synthetic copies, see bench_api), wall time and the node process's peak RSS;
* publish-to-node latency: BENCH_NODE_PUBLISHES publishes on the central (default 100), each
  timed from its commit until the node (`bch serve`, polling every 30 s, woken by the central's
  event stream) answers the record over its API; p50/p95/max;
* reads: record GETs per second on the central and on the node (same records, same code).

BENCH_DIR keeps the central's database between runs (it takes long to build)."""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bch.services.container import Services
from bch.storage.tables import documents
from bench.bench_api import build
from bench.servers import free_port, throughput

ROOT = Path(__file__).resolve().parents[1]
BCH = str(Path(sys.executable).with_name("bch"))


class Serve:
    def __init__(self, url: str, **env: str):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [BCH, "serve", "--empty", "--port", str(self.port), "--database", url],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "BCH_RATE_LIMIT": "off", **env},
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url("/healthz"), timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("bch serve did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _ids(svc: Services, n: int) -> list[str]:
    from sqlalchemy import select

    with svc.store.reading() as conn:
        rows = conn.execute(
            select(documents.c.realm, documents.c.short_code, documents.c.owner, documents.c.id)
            .where(documents.c.deleted_at.is_(None))
            .limit(n)
        )
        return [f"{r[0]}-{r[1]}-{r[2]}-{r[3]}" for r in rows]


def main() -> None:
    total = int(os.environ.get("BENCH_NODE_RECORDS", "100000"))
    publishes = int(os.environ.get("BENCH_NODE_PUBLISHES", "100"))
    folder = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="bch-nodes-"))
    folder.mkdir(parents=True, exist_ok=True)
    central_path = folder / f"central-{total}.db"
    if not central_path.exists():
        t0 = time.perf_counter()
        svc, _ = build(central_path.with_suffix(".building"), total)
        svc.close()
        central_path.with_suffix(".building").rename(central_path)
        print(f"central built: {total} records in {time.perf_counter() - t0:.0f} s", flush=True)
    central_url = f"sqlite:///{central_path}"
    central = Services.open(central_url)
    node_path = folder / "node.db"
    for p in folder.glob("node.db*"):
        p.unlink()
    node_url = f"sqlite:///{node_path}"
    central_server = Serve(central_url)
    try:
        subprocess.run(
            [BCH, "node", "init", "--central", central_server.url(""), "--country", "CA",
             "--database", node_url],
            check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        start = time.perf_counter()
        subprocess.run(
            [BCH, "node", "sync", "--once", "--database", node_url],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        bootstrap_s = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        node = Services.open(node_url, upgrade=False)
        with node.store.reading() as conn:
            mirrored = node.store.count_documents(conn)
        print(
            f"bootstrap: {mirrored} records in {bootstrap_s:.1f} s "
            f"({mirrored / bootstrap_s:.0f} records/s), peak RSS of a child {peak_mb:.0f} MB",
            flush=True,
        )

        node_server = Serve(node_url, BCH_NODE_POLL_SECONDS="30")
        try:
            from tests import factories

            names = ["Zea mays", "Glycine max", "Brassica napus", "Oryza sativa"]
            latencies = []
            with httpx.Client(timeout=30) as client:
                time.sleep(3)  # the node's event stream connected
                for i in range(publishes):
                    doc = factories.organism(names[i % len(names)])
                    doc["header"]["identifier"] = f"synthetic-latency-{i}-{random.getrandbits(32)}"
                    central.records.publish(doc, by="bench")
                    t0 = time.perf_counter()
                    url = node_server.url(f"/api/v1/records/{doc['header']['identifier']}")
                    while client.get(url).status_code != 200:
                        if time.perf_counter() - t0 > 60:
                            raise RuntimeError("a publish did not reach the node in 60 s")
                        time.sleep(0.02)
                    latencies.append(time.perf_counter() - t0)
            latencies.sort()
            p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
            print(
                f"publish-to-node latency over {publishes}: p50 "
                f"{statistics.median(latencies):.2f} s, p95 {p95:.2f} s, max {latencies[-1]:.2f} s",
                flush=True,
            )
            ids = _ids(node, 2000)
            rc = throughput(lambda rnd: central_server.url(f"/api/v1/records/{rnd.choice(ids)}"))
            rn = throughput(lambda rnd: node_server.url(f"/api/v1/records/{rnd.choice(ids)}"))
            print(
                f"record GETs/s: central {rc:.0f}, node {rn:.0f} ({rn / rc:.0%} of the central)",
                flush=True,
            )
        finally:
            node_server.stop()
            node.close()
    finally:
        central_server.stop()
        central.close()


if __name__ == "__main__":
    main()
