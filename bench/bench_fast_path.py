"""What a cached record GET costs inside the application (issue 15 item 2), without a network or
a server: the ASGI app is called directly for 200 records the read cache holds, and the CPU time
per request (time.process_time, best of three) is printed for the whole app and for each
layer (inclusive: a layer's own cost is the difference to the next one). The fast path
(FastReads) is the first layer since issue 15's second pass: the layers under it answer
through the middlewares and FastAPI's routing, from the same cache (the cost it saves). The
request log goes to a file, as `bch serve`'s standard error does in bench_reads.

Runs on the shipped real data (BENCH_DIR, default /tmp/bench-reads: the database bench_reads
imports). Self-contained (only `bch` and the standard library), so that another checkout's
interpreter can run this file to compare before and after: `<venv>/bin/python
bench/bench_fast_path.py`. BENCH_REQUESTS (default 5000) per measurement."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N = int(os.environ.get("BENCH_REQUESTS", "5000"))
STOP = ("ExceptionMiddleware", "AsyncExitStackMiddleware", "APIRouter", "Router")


def _database() -> Path:
    db = Path(os.environ.get("BENCH_DIR", "/tmp/bench-reads")) / "bch.db"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        bch = Path(sys.executable).with_name("bch")
        subprocess.run([str(bch), "import", "--database", f"sqlite:///{db}"], check=True)
    return db


def _scope(app, path: str, n: int) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk"), (b"accept", b"*/*")],
        "client": (f"127.0.0.{n % 200 + 1}", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
        "app": app,
    }


async def _receive() -> dict:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _measure(app, svc, paths: list[str]) -> list[tuple[str, float]]:
    statuses: list[int] = []

    async def send(message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async with app.router.lifespan_context(app):
        for i, path in enumerate(paths):  # the route renders each once; the cache keeps it
            await app(_scope(app, path, i), _receive, send)
        layers = [("whole app", app)]
        layer = app.middleware_stack
        while layer is not None and type(layer).__name__ not in STOP:
            layers.append((type(layer).__name__, layer))
            layer = getattr(layer, "app", None)
        out = []
        for name, layer in layers:
            best = float("inf")
            for _ in range(3):
                scopes = [_scope(app, paths[i % len(paths)], i) for i in range(N)]
                statuses.clear()
                hits = svc.read_cache.hits
                start = time.process_time()
                for scope in scopes:
                    await layer(scope, _receive, send)
                best = min(best, (time.process_time() - start) / N)
                assert svc.read_cache.hits - hits == N and set(statuses) == {200}, name
            if name == "HeadAsGet":  # inside the fast path: the route answers, from the cache
                name = "HeadAsGet (routed, no fast path)"
            elif any(n.startswith("FastReads") for n, _ in out):  # under the fast path
                name = f"{name} (routed)"
            out.append((name, best * 1e6))
        return out


def main() -> None:
    os.environ.setdefault("BCH_RATE_LIMIT", "50,1000")  # the default: the limiter counts too
    from bch.api.app import create_app
    from bch.services.container import Services

    db = _database()
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT id, realm, short_code, owner FROM documents WHERE deleted_at IS NULL LIMIT 200"
        ).fetchall()
    paths = [f"/api/v1/records/{r}-{s}-{o}-{i}" for i, r, s, o in rows]
    svc = Services.open(f"sqlite:///{db}")
    app = create_app(svc)
    with tempfile.TemporaryFile("w") as log:
        for handler in logging.getLogger("bch").handlers:
            handler.stream = log
        figures = asyncio.run(_measure(app, svc, paths))
    svc.close()
    print(f"cached record GET, in-process, CPU us per request ({N} requests, best of 3)")
    for name, us in figures:
        print(f"  {name:32} {us:7.1f}")
    print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
