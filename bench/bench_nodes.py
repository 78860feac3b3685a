"""National nodes (issue 12), SQLite, real processes on 127.0.0.1:

* bootstrap: a new node (`bch node sync --once`, its own SQLite file) from a central (`bch serve`)
  holding BENCH_NODE_RECORDS records (default 100,000: the shipped real ones plus labelled
  synthetic copies, see bench_api; 0: the shipped real data only, built in about a minute),
  wall time, the node process's CPU per record and peak RSS, each way of BENCH_NODE_MODES in
  turn in the same run (default "dumps,tables": BCH_NODE_BOOTSTRAP; for `tables` the central's
  snapshot is built first, its time printed apart: later nodes get the same file);
* publish-to-node latency: BENCH_NODE_PUBLISHES publishes on the central (default 100), each
  timed from its commit until the node (`bch serve`, polling every 30 s, woken by the central's
  event stream) answers the record over its API; p50/p95/max;
* reads: record GETs and the search mix of bench_api, with wrk (bench_reads': req/s, p99, CPU
  per request), on the central and on the node serving the same records (their answers compared
  first), in turn in the same run, BENCH_NODE_READ_ROUNDS times (default 4).

BENCH_DIR keeps the central's database between runs (it takes long to build). BENCH_CENTRAL_DB
names an existing central database (e.g. bench_api's 1,000,000-record file): it is copied into
BENCH_DIR once (SQLite's backup API, the original is only read) and used instead of building one;
with BENCH_CENTRAL_LINK=1 it is hard-linked instead (a 1M file is ~16 GB: no copy; the central
then writes to it, and nothing else may have it open meanwhile).
BENCH_PROFILE=FILE runs the bootstrap under pyinstrument and writes its profile there.
BENCH_NODE_ONLY=bootstrap stops after the bootstrap figures."""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bch.services.container import Services
from bch.storage.tables import documents
from bench.bench_api import bch_queries, build
from bench.servers import free_port, wait_for_index

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


def _copy(source: Path, dest: Path) -> None:
    """A consistent copy of a SQLite database that may still be open elsewhere (read only)."""
    partial = dest.with_suffix(".copying")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    out = sqlite3.connect(partial)
    try:
        src.backup(out, pages=65536)
    finally:
        out.close()
        src.close()
    partial.rename(dest)


def _central(folder: Path, total: int) -> Path:
    given = os.environ.get("BENCH_CENTRAL_DB")
    if given:
        central_path = folder / f"central-{Path(given).stem}.db"
        if not central_path.exists() and os.environ.get("BENCH_CENTRAL_LINK"):
            source = Path(given)
            if Path(f"{source}-wal").exists():  # its WAL is named after it: not shared
                raise RuntimeError(f"{given} is open (or was not closed): no link to it")
            os.link(source, central_path)  # the same file: nothing copied
            print(f"central: {given} itself (hard link)", flush=True)
        if not central_path.exists():
            t0 = time.perf_counter()
            _copy(Path(given), central_path)
            print(f"central copied from {given} in {time.perf_counter() - t0:.0f} s", flush=True)
        return central_path
    central_path = folder / f"central-{total}.db"
    if not central_path.exists():
        t0 = time.perf_counter()
        svc, _ = build(central_path.with_suffix(".building"), total)
        with svc.store.reading() as conn:
            made = svc.store.count_documents(conn)
        svc.close()
        central_path.with_suffix(".building").rename(central_path)
        print(f"central built: {made} records in {time.perf_counter() - t0:.0f} s", flush=True)
    return central_path


def _tree(pid: int) -> dict[int, int]:
    """A running process and its descendants (a `bch serve` and its worker processes): pid ->
    user + system CPU ticks so far."""
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree = {pid}
    for _ in range(4):  # parent, workers, their helpers
        tree |= {p for p, (parent, _t) in stats.items() if parent in tree}
    return {p: stats[p][1] for p in tree if p in stats}


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds so far of a running process and its descendants."""
    return sum(_tree(pid).values()) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> tuple[float, float]:
    """Memory of a `bch serve` and its workers: the largest process's peak RSS so far (VmHWM,
    its lifetime peak) and the RSS of all of them now, MB."""
    peak = now = 0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text().splitlines()
        except OSError:
            continue
        kb = {line.split(":")[0]: int(line.split()[1]) for line in status if line[:2] == "Vm"}
        peak, now = max(peak, kb.get("VmHWM", 0)), now + kb.get("VmRSS", 0)
    return peak / 1024, now / 1024


def _rss(pid: int, most: float | None = None) -> str:
    peak, now = _rss_mb(pid)
    during = f", at most {most:.0f} MB meanwhile (sampled each second)" if most else ""
    return f"largest process's peak RSS {peak:.0f} MB, all processes now {now:.0f} MB{during}"


class _Sampler(threading.Thread):
    """The largest RSS of all of a process tree's processes together, sampled each second; and
    when a node's download (`part`: its `.part` file) was last seen under way."""

    def __init__(self, pid: int, part: Path | None = None):
        super().__init__(daemon=True)
        self.pid, self.most, self.done = pid, 0.0, threading.Event()
        self.part, self.began, self.downloading = part, 0.0, 0.0

    def run(self) -> None:
        while not self.done.is_set():
            self.most = max(self.most, _rss_mb(self.pid)[1])
            if self.part is not None and any(self.part.parent.glob(self.part.name)):
                self.downloading = time.perf_counter()
                self.began = self.began or self.downloading
            self.done.wait(0.5)

    def stop(self) -> float:
        self.done.set()
        self.join()
        return self.most


def _snapshot_ready(central: Serve) -> dict[str, float]:
    """Ask the central for its table snapshot until it is built: wall and central CPU."""
    central_cpu, start = _cpu_s(central.proc.pid), time.perf_counter()
    sampler = _Sampler(central.proc.pid)
    sampler.start()
    with httpx.Client(timeout=600) as client:
        while True:
            with client.stream("GET", central.url("/api/v1/export/tables.sqlite")) as answer:
                if answer.status_code == 200:
                    size = int(answer.headers["content-length"])
                    break
                if answer.status_code != 202:
                    raise RuntimeError(f"tables.sqlite: HTTP {answer.status_code}")
            time.sleep(1)
    return {
        "wall_s": time.perf_counter() - start,
        "central_cpu_s": _cpu_s(central.proc.pid) - central_cpu,
        "mb": size / 1e6,
        "central_rss": _rss(central.proc.pid, sampler.stop()),
    }


def _bootstrap(central: Serve, node_url: str, mode: str = "dumps") -> dict[str, float]:
    """`bch node sync --once` on a new node: wall, CPU and peak RSS of the node process, and
    the CPU the central spent serving it (its dumps or snapshot)."""
    cmd = [BCH, "node", "sync", "--once", "--database", node_url]
    profile = os.environ.get("BENCH_PROFILE")
    if profile:
        tool = str(Path(sys.executable).with_name("pyinstrument"))
        cmd = [tool, "-o", profile, "-r", "text", "--show-all", BCH, *cmd[1:]]
    central_cpu = _cpu_s(central.proc.pid)
    node = Path(node_url.removeprefix("sqlite:///"))
    sampler = _Sampler(central.proc.pid, node.with_name(node.name + ".tables-*.part"))
    sampler.start()
    start = time.perf_counter()
    env = {**os.environ, "BCH_NODE_BOOTSTRAP": mode}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"bch node sync --once exited with {proc.returncode}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "central_cpu_s": _cpu_s(central.proc.pid) - central_cpu,
        "central_rss": _rss(central.proc.pid, sampler.stop()),
        "download_s": (max(0.0, sampler.began - start), max(0.0, sampler.downloading - start)),
    }


def main() -> None:
    total = int(os.environ.get("BENCH_NODE_RECORDS", "100000"))
    publishes = int(os.environ.get("BENCH_NODE_PUBLISHES", "100"))
    folder = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="bch-nodes-"))
    folder.mkdir(parents=True, exist_ok=True)
    central_path = _central(folder, total)
    central_url = f"sqlite:///{central_path}"
    central = Services.open(central_url)
    central_server = Serve(central_url)
    try:
        for mode in os.environ.get("BENCH_NODE_MODES", "dumps,tables").split(","):
            node_url = _bootstrap_figures(central_server, folder, mode)
        node = Services.open(node_url, upgrade=False)
        if os.environ.get("BENCH_NODE_ONLY") == "bootstrap":  # the bootstrap figures only
            node.close()
            return

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
            _reads(central_server, node_server, _ids(node, 2000))
        finally:
            node_server.stop()
            node.close()
    finally:
        central_server.stop()
        central.close()


def _bootstrap_figures(central: Serve, folder: Path, mode: str) -> str:
    """A new node (node-MODE.db) bootstrapped MODE's way; prints its figures; its URL."""
    node_path = folder / f"node-{mode}.db"
    for p in folder.glob(f"node-{mode}.db*"):
        p.unlink()
    node_url = f"sqlite:///{node_path}"
    subprocess.run(
        [BCH, "node", "init", "--central", central.url(""), "--country", "CA",
         "--database", node_url],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    if mode == "tables":
        built = _snapshot_ready(central)
        print(
            f"tables: the central's snapshot ({built['mb']:.0f} MB) ready after "
            f"{built['wall_s']:.1f} s wall, central CPU {built['central_cpu_s']:.1f} s (once per "
            f"change sequence: later nodes get the same file); central: {built['central_rss']}",
            flush=True,
        )
    load = os.getloadavg()[0]
    boot = _bootstrap(central, node_url, mode)
    node = Services.open(node_url, upgrade=False)
    with node.store.reading() as conn:
        mirrored = node.store.count_documents(conn)
    said = node.node.status()["bootstrapMode"]
    node.close()
    began, ended = boot["download_s"]
    print(
        f"bootstrap [{mode}: {said}]: {mirrored} records in {boot['wall_s']:.1f} s wall "
        f"({mirrored / boot['wall_s']:.0f} records/s), node CPU {boot['cpu_s']:.1f} s "
        f"({boot['cpu_s'] / max(mirrored, 1) * 1000:.3f} ms/record), "
        f"node peak RSS {boot['peak_mb']:.0f} MB, central CPU {boot['central_cpu_s']:.1f} s, "
        f"download under way from {began:.1f} s to {ended:.1f} s (sampled each 0.5 s) "
        f"(load average {load:.1f} before, {os.getloadavg()[0]:.1f} after); "
        f"central after serving it: {boot['central_rss']}",
        flush=True,
    )
    return node_url


def _same_answers(central: Serve, node: Serve, paths: list[str]) -> int:
    """How many of `paths` the node answers differently from the central (status or body)."""
    differ = 0
    with httpx.Client(timeout=120) as client:
        for path in paths:
            a, b = client.get(central.url(path)), client.get(node.url(path))
            differ += (a.status_code, a.content) != (b.status_code, b.content)
    return differ


def _reads(central: Serve, node: Serve, ids: list[str]) -> None:
    """Record GETs and searches with wrk (bench_reads': 2 threads, 50 connections,
    BENCH_SECONDS each), the same paths on both servers, each server's search index built and
    every path read once first (the read cache's steady state). The two servers are measured in
    turn, BENCH_NODE_READ_ROUNDS times (central, node, central, node, ...): on a loaded machine
    the load moves between measurements, so the median of the rounds' ratios is the figure."""
    from bench.bench_reads import _script, _visit, wrk

    rounds = int(os.environ.get("BENCH_NODE_READ_ROUNDS", "4"))
    subprocess.run(["sh", str(ROOT / "scripts" / "ensure-wrk.sh")], check=True)
    with httpx.Client(timeout=120) as client:
        built = {
            name: wait_for_index(client, s) for name, s in (("central", central), ("node", node))
        }
    print(f"search index ready after: central {built['central']} s, node {built['node']} s")
    folder = Path(tempfile.mkdtemp(prefix="bch-node-reads-"))
    paths = {
        "record GET": [f"/api/v1/records/{i}" for i in ids],
        "search": bch_queries(200),
    }
    for what, todo in paths.items():
        script = _script(folder, what.replace(" ", "-"), todo)
        for server in (central, node):
            _visit(server, todo)  # every answer computed once on both
        print(f"{what}: {_same_answers(central, node, todo)} of {len(todo)} answers differ")
        ratios = []
        for k in range(rounds):
            f = {name: wrk(s.url(""), script, pid=s.proc.pid)
                 for name, s in (("central", central), ("node", node))}  # fmt: skip
            c, n = f["central"], f["node"]
            ratios.append(n["rps"] / max(c["rps"], 1))
            print(
                f"{what} round {k + 1}: central {c['rps']} req/s p99 {c['p99_ms']} ms "
                f"({c['cpu_ms']} CPU ms/req, non-2xx {c['non2xx']}); node {n['rps']} req/s "
                f"p99 {n['p99_ms']} ms ({n['cpu_ms']} CPU ms/req, non-2xx {n['non2xx']}); "
                f"node/central {ratios[-1]:.2f} (load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        print(f"{what}: node/central req/s, median of {rounds} rounds: "
              f"{statistics.median(ratios):.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
