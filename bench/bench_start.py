"""What one process of the suite costs (issue 10 item 6): the CPU of a `bch serve` from its start
until it answers GET /readyz, and of a typical CLI command (`bch user list`), beside a peer in
the same run: a bare Starlette app under uvicorn (bench/bare_starlette.py) until it answers.

CPU time (user + system of the process, read from /proc just before it is stopped) is what the
suite pays per process on its 2 shared cores; the wall time to readiness is printed too but
follows the machine's load. Each figure is the median of START_RUNS starts (default 5), on a
migrated empty SQLite database (`--empty`: no import). Usage: python -m bench bench_start"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from bench.servers import free_port

BCH = str(Path(sys.executable).with_name("bch"))
RUNS = int(os.environ.get("START_RUNS", "5"))


def _cpu(proc: psutil.Process) -> float:
    """CPU seconds of a process and its children (a `bch serve` with one worker has none)."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _until_ready(cmd: list[str], port: int, path: str) -> tuple[float, float]:
    """Start `cmd`; (CPU seconds, wall seconds) once GET `path` answers 200; then stop it."""
    began = time.monotonic()
    popen = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "BCH_WORKERS": "1"},
    )
    proc = psutil.Process(popen.pid)
    try:
        deadline = began + 300
        while time.monotonic() < deadline:
            if popen.poll() is not None:
                raise RuntimeError(f"{cmd} ended with {popen.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code == 200:
                    return _cpu(proc), time.monotonic() - began
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{cmd} did not answer {path}")
    finally:
        popen.terminate()
        popen.wait(timeout=60)


def _command(cmd: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a command run to its end."""
    began = time.monotonic()
    before = os.times()
    done = subprocess.run(cmd, capture_output=True, timeout=300)
    after = os.times()
    if done.returncode:
        raise RuntimeError(f"{cmd} failed: {done.stderr.decode()[-2000:]}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return cpu, time.monotonic() - began


def _median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
    )


def main() -> None:
    from bch.services.container import Services

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bch.db'}"
        Services.open(url).close()  # migrated once: each start only checks the head
        figures: dict[str, tuple[float, float]] = {}
        rows = {
            "bch serve --empty, to GET /readyz": lambda port: _until_ready(
                [BCH, "serve", "--empty", "--port", str(port), "--database", url],
                port,
                "/readyz",
            ),
            "bare Starlette + uvicorn, to its first answer": lambda port: _until_ready(
                [sys.executable, "-m", "bench.bare_starlette", str(port)],
                port,
                "/api/v1/records/x",
            ),
            "bch user list (a CLI command)": lambda port: _command(
                [BCH, "user", "list", "--database", url]
            ),
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in rows}
        for _ in range(RUNS):  # interleaved: a change of load touches every row alike
            for name, run in rows.items():
                samples[name].append(run(free_port()))
        for name in rows:
            figures[name] = _median(samples[name])
    load = os.getloadavg()
    print(f"starts: median of {RUNS}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"{'process':48s} {'CPU s':>7s} {'wall s':>7s}")
    for name, (cpu, wall) in figures.items():
        print(f"{name:48s} {cpu:7.2f} {wall:7.2f}")
    serve = figures["bch serve --empty, to GET /readyz"][0]
    peer = figures["bare Starlette + uvicorn, to its first answer"][0]
    print(f"bch serve start CPU / bare Starlette start CPU: {serve / peer:.1f}x")


if __name__ == "__main__":
    main()
