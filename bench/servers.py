"""What the benchmarks share: a free port, a server process started and waited for, the API
server of bench/serve_api.py, the search index's first build, a threaded throughput count, and
Datasette in a throwaway virtualenv (not a dependency of the project) serving a SQLite file."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

DATASETTE = "datasette==0.65.5"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process; its standard error (the request log) goes to a temporary file, never
    to a pipe nobody reads (a full pipe blocks the server's logging, then every request)."""

    def __init__(self, cmd: list[str], port: int, ready_path: str):
        self.port = port
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url(ready_path), timeout=5).status_code < 500:
                    return
            except httpx.HTTPError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        self.stop()
        self.log.seek(0)
        tail = self.log.read()[-2000:].decode(errors="replace")
        raise RuntimeError(f"server did not start: {cmd}\n{tail}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def bch_server(path: Path | str) -> Server:
    """The API server on a SQLite file, or on a database URL."""
    port = free_port()
    url = path if isinstance(path, str) else f"sqlite:///{path}"
    cmd = [sys.executable, "-m", "bench.serve_api", url, str(port)]
    return Server(cmd, port, "/bare")


def wait_for_index(client: httpx.Client, server: Server) -> float:
    """The first search starts building the in-memory index (in the background on a large
    database; searches are answered from SQL meanwhile). Returns the seconds until it is ready."""
    start = time.perf_counter()
    client.get(server.url("/api/v1/records?q=maize&limit=1"))
    while client.get(server.url("/healthz")).json().get("searchIndex") not in ("ready", "off"):
        if time.perf_counter() - start > 1800:
            raise RuntimeError("the search index was not built within 30 minutes")
        time.sleep(0.5)
    return round(time.perf_counter() - start, 1)


def throughput(url_for, seconds: float = 5.0, threads: int = 4) -> float:
    stop = time.monotonic() + seconds
    counts = [0] * threads

    def run(k: int) -> None:
        with httpx.Client(timeout=30) as c:
            rnd = random.Random(k)
            while time.monotonic() < stop:
                r = c.get(url_for(rnd))
                if r.status_code != 200:
                    raise RuntimeError(f"{r.status_code}: {r.text[:200]}")
                counts[k] += 1

    workers = [threading.Thread(target=run, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / seconds


def datasette_venv(root: Path) -> Path | None:
    venv = root / "datasette-venv"
    if not (venv / "bin" / "datasette").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", DATASETTE], capture_output=True
        )
        if done.returncode != 0:
            print("datasette could not be installed:", done.stderr.decode()[-300:])
            return None
    return venv / "bin" / "datasette"


def datasette_server(root: Path, db: Path, *options: str, immutable: bool = False) -> Server | None:
    """Datasette serving `db` (read-only and without locking with `immutable`) with `options`
    (its command-line settings), or None when it could not be installed."""
    datasette = datasette_venv(root)
    if datasette is None:
        return None
    port = free_port()
    files = ["-i", str(db)] if immutable else [str(db)]
    cmd = [str(datasette), "serve", *options, *files, "--port", str(port)]
    return Server(cmd, port, "/-/versions.json")
