"""The fault tests' harness (issue 12): real `bch serve` processes that can be killed with
SIGKILL and restarted, a proxy that garbles some change feed pages, a clock skewed with
libfaketime (Debian's, scripts/ensure-faketime.sh), and the state compared across databases."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bch.services.container import Services
from bch.storage.tables import documents
from tests.waiting import healthy, until

ROOT = Path(__file__).resolve().parents[2]
BCH = str(Path(sys.executable).with_name("bch"))
FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def skewed_clock(offset: str) -> dict[str, str]:
    """Environment that moves a process's wall clock by `offset` (libfaketime syntax: "+1d",
    "-3h"); its monotonic clock (timeouts, waits) is left alone."""
    if not FAKETIME.exists():
        message = f"{FAKETIME} is missing (scripts/ensure-faketime.sh installs Debian's)"
        if os.environ.get("CI"):
            pytest.fail(message + ": CI must run the skewed-clock fault", pytrace=False)
        pytest.skip(message)
    # FAKETIME_FORCE_MONOTONIC_FIX=0: libfaketime's default fix of the monotonic clock made every
    # clock read of the process slow (the fault test took 85.8 s with it, ~20 s without); the
    # wall clock is still skewed (the test asserts it, from the node's own answers and writes)
    return {
        "LD_PRELOAD": str(FAKETIME),
        "FAKETIME": offset,
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_FORCE_MONOTONIC_FIX": "0",
    }


class Served:
    """One `bch serve` process on a fixed port (restartable after a kill)."""

    def __init__(self, url: str, log: Path, **env: str):
        self.url, self.port, self.log = url, free_port(), log
        self.base = f"http://127.0.0.1:{self.port}"
        # requests in progress (a node's open event stream) get 1 s on stop, not 10 s
        self.env = {
            **os.environ,
            "BCH_RATE_LIMIT": "off",
            "BCH_NODE_POLL_SECONDS": "1",
            "BCH_SHUTDOWN_GRACE": "1",
            **env,
        }
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        cmd = [BCH, "serve", "--empty", "--port", str(self.port), "--database", self.url]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=self.env
            )
        self.starts += 1
        until(self.serving, f"{self.log.name} serving", alive=self.alive, interval=0.05)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def serving(self) -> bool:
        return healthy(self.base)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


class Trap:
    """A moment the proxy observes: the `nth` answer to a request that `matches` (method, path,
    answer body). `withhold`: the central has answered but the node gets nothing until
    `release()` (the central did it, the node does not know); else the trap springs right
    after the answer is written to the node."""

    def __init__(self, matches, *, nth: int = 1, withhold: bool = False):
        self.matches, self.nth, self.withhold = matches, nth, withhold
        self.seen = 0
        self.sprung = threading.Event()
        self.released = threading.Event()
        self.path = ""

    def release(self) -> None:
        self.released.set()


def feed_page(method: str, path: str, body: bytes) -> bool:
    """A change feed page with entries."""
    return path.startswith("/api/v1/changes?") and b'"seq"' in body


def record_body(method: str, path: str, body: bytes) -> bool:
    """A revision the node reads for a feed entry."""
    return method == "GET" and path.startswith("/api/v1/records/")


def dump(method: str, path: str, body: bytes) -> bool:
    """A first copy's download: a schema's dump, or the central's table snapshot (an SQLite
    file, not its 202 "being built" answers)."""
    if not path.startswith("/api/v1/export/"):
        return False
    return ".ndjson" in path or body.startswith(b"SQLite format 3\0")


def publish(method: str, path: str, body: bytes) -> bool:
    """The central's answer to a node's publish (its record is in the central already)."""
    return method == "POST" and path.startswith("/api/v1/drafts/") and path.endswith("/publish")


def draft(method: str, path: str, body: bytes) -> bool:
    return method == "PUT" and path.startswith("/api/v1/drafts/")


class FaultyProxy:
    """Forwards GETs, PUTs and POSTs to the central; no event stream (the node behind it
    polls). With `garble`, every third change feed page with entries is truncated or garbled.
    Armed traps (`arm`) tell the test the moment an answer reached the node (or was withheld
    from it): the fault tests kill the node at these observed moments, not at guessed times."""

    def __init__(self, target: str, *, garble: bool = True):
        self.target = target
        self.garble = garble
        self.count = 0
        self.mangled = 0
        self.lock = threading.Lock()
        self.traps: list[Trap] = []
        self.client = httpx.Client(timeout=60)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _forward(self) -> None:
                if self.path.startswith("/api/v1/changes/stream"):
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection")
                }
                try:
                    r = proxy.client.request(
                        self.command, proxy.target + self.path, content=body, headers=headers
                    )
                except httpx.HTTPError:
                    self.send_error(502)
                    return
                content = r.content
                if proxy.garble and feed_page(self.command, self.path, content):
                    content = proxy.mangle(content)
                trap = proxy.spring(self.command, self.path, content)
                if trap is not None and trap.withhold:
                    trap.sprung.set()
                    trap.released.wait(timeout=60)  # the node is killed meanwhile
                with contextlib.suppress(OSError):  # the node may be gone (killed)
                    self._answer(r, content)
                if trap is not None:
                    trap.sprung.set()

            def _answer(self, r: httpx.Response, content: bytes) -> None:
                self.send_response(r.status_code)
                for k, v in r.headers.items():
                    if k.lower() not in (
                        "content-length",
                        "transfer-encoding",
                        "connection",
                        "content-encoding",
                    ):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
                self.wfile.flush()

            do_GET = do_PUT = do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def arm(self, trap: Trap) -> Trap:
        with self.lock:
            self.traps.append(trap)
        return trap

    def disarm(self) -> None:
        with self.lock:
            for trap in self.traps:
                trap.release()
            self.traps.clear()

    def spring(self, method: str, path: str, content: bytes) -> Trap | None:
        with self.lock:
            for trap in self.traps:
                if trap.matches(method, path, content):
                    trap.seen += 1
                    if trap.seen == trap.nth:
                        self.traps.remove(trap)
                        trap.path = path
                        return trap
        return None

    def mangle(self, content: bytes) -> bytes:
        with self.lock:
            self.count += 1
            if self.count % 3:
                return content
            self.mangled += 1
            if self.mangled % 2:
                return content[: len(content) // 2]  # truncated
            return content.replace(b'"action":"publish"', b'"action":"?"', 1)  # malformed

    def close(self) -> None:
        self.disarm()
        self.server.shutdown()
        self.client.close()


def cpu_ticks(pid: int) -> int:
    """CPU time a process has used so far (user + system, in clock ticks: /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def state(svc: Services, schemas: list[str] | None = None) -> dict[str, tuple[int, int, bool]]:
    """identifier -> (documentID, latest revision, deleted), every record (of `schemas`)."""
    stmt = select(
        documents.c.identifier,
        documents.c.id,
        documents.c.latest_revision,
        documents.c.deleted_at,
    )
    if schemas:
        stmt = stmt.where(documents.c.schema.in_(schemas))
    with svc.engine.connect() as conn:
        rows = conn.execute(stmt)
        return {r[0]: (r[1], r[2], r[3] is not None) for r in rows}


def count_records(svc: Services, schemas: list[str] | None = None) -> int:
    stmt = select(func.count()).select_from(documents)
    if schemas:
        stmt = stmt.where(documents.c.schema.in_(schemas))
    with svc.engine.connect() as conn:
        return conn.execute(stmt).scalar_one()
