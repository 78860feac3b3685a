"""A real uvicorn server on 127.0.0.1 (ephemeral port) serving the app, for client libraries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from bch.api.app import create_app
from bch.services.container import Services
from tests.waiting import until


@contextmanager
def live_server(svc: Services) -> Iterator[str]:
    """Serve `svc` over HTTP; yields the base URL, stops the server on exit."""
    config = uvicorn.Config(create_app(svc), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    until(lambda: server.started, "the test server's start", alive=thread.is_alive)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
