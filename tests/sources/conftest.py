"""Real HTTP servers on 127.0.0.1 serving reconstructed pages of the external databases."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_plus

import pytest

HANG = object()  # a route that never answers: it hangs until its site is closed


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = unquote_plus(self.path)
        self.hits.append(path)
        entry = self.routes.get(path, self.routes.get("*"))
        if entry is HANG:
            self.server.closing.wait()
            return
        status, body = (
            (404, "not found")
            if entry is None
            else (entry if isinstance(entry, tuple) else (200, entry))
        )
        data = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Site:
    def __init__(self, routes: dict):
        handler = type("H", (_Handler,), {"routes": routes, "hits": []})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.server.closing = threading.Event()  # releases the HANG routes
        self.handler = handler
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def hits(self) -> list[str]:
        return self.handler.hits

    def close(self) -> None:
        self.server.closing.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Callable[[dict], Site]]:
    """Start local sites: ``site({"/path?query": html | (status, body) | HANG})``."""
    started: list[Site] = []

    def start(routes: dict) -> Site:
        s = Site(routes)
        started.append(s)
        return s

    yield start
    for s in started:
        s.close()


CONFIGURED: list = []  # Services objects whose `matches` a test replaced (see test_matches._service)


@pytest.fixture(autouse=True)
def _restore_matches():
    """Tests replace Services.matches with a configured one; put the default back after."""
    yield
    while CONFIGURED:
        CONFIGURED.pop().__dict__.pop("matches", None)
