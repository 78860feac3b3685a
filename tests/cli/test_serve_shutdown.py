"""`bch serve` stops on SIGTERM although nodes hold event streams open (/api/v1/changes/stream
ends only when its reader goes, at most after 10 minutes): requests in progress get
BCH_SHUTDOWN_GRACE seconds (10 by default), then they are cancelled. Before, a central with a node
connected did not exit (uvicorn waited for the stream). Real processes on loopback, one worker
and two, with a grace of 1 s: the cancellation is the same, without 9 s of waiting each."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import pytest

from bch.api.changes import STREAM_LIFETIME
from bch.settings import Settings
from tests.nodes.harness import BCH, ROOT, free_port
from tests.waiting import until_serving

GRACE = 1  # seconds (BCH_SHUTDOWN_GRACE)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_server_with_an_open_event_stream_stops_on_sigterm(tmp_path, workers):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [BCH, "serve", "--empty", "--port", str(port), "--workers", str(workers)]
    cmd += ["--database", f"sqlite:///{tmp_path / 'bch.db'}"]
    with (tmp_path / "serve.log").open("wb") as log:
        env = {**os.environ, "BCH_SHUTDOWN_GRACE": str(GRACE)}
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        until_serving(base, proc)
        # a node's listener: the stream's request, its first event read, the connection open
        reader = socket.create_connection(("127.0.0.1", port), timeout=60)
        reader.sendall(
            b"GET /api/v1/changes/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Accept: text/event-stream\r\n\r\n"
        )
        got = b""
        while b"data:" not in got:
            chunk = reader.recv(4096)
            assert chunk, "the event stream closed before its first event"
            got += chunk
        proc.send_signal(signal.SIGTERM)
        # it exits within its grace (plus a start-up's worth of slack on a loaded machine),
        # long before the stream's own end; so does the default grace
        assert Settings().shutdown_grace + 60 < STREAM_LIFETIME
        proc.wait(timeout=GRACE + 60)
        reader.close()
        # the stream was cancelled when the grace ran out (uvicorn says so), not ended by itself
        assert "timeout graceful shutdown exceeded" in (tmp_path / "serve.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
