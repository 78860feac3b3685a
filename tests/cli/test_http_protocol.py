"""`bch serve`'s HTTP protocol (cli/http_protocol.py): an answer's head and body leave in one
write, a lone head (a streamed answer) at the event loop's next turn, nothing lost or reordered
at a close; and a real uvicorn server with it answers plain, streamed, HEAD and keep-alive
requests as before (issue 15 item 2)."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bch.cli.http_protocol import HOLD_MAX, OneWriteHttpProtocol, OneWriteTransport
from bch.cli.server import HTTP_PROTOCOL
from tests.waiting import until


class _Recording:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str):
        return f"info:{name}"


def test_head_and_body_go_out_in_one_write_and_a_lone_write_at_the_next_turn():
    async def run() -> None:
        real = _Recording()
        t = OneWriteTransport(real, asyncio.get_running_loop())
        t.write(b"HTTP/1.1 200 OK\r\n\r\n")
        assert real.writes == []  # held
        t.write(b"body")
        assert real.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
        t.write(b"head of a stream")
        await asyncio.sleep(0)  # the loop's next turn
        assert real.writes[-1] == b"head of a stream"
        big = b"x" * (HOLD_MAX + 1)
        t.write(big)  # too large to hold: at once
        assert real.writes[-1] == big
        t.write(b"last")
        t.close()  # what is held goes out before the close
        assert real.writes[-1] == b"last" and real.closed
        assert t.get_extra_info("peername") == "info:peername"
        await asyncio.sleep(0)  # the pending turn finds nothing more to send
        assert real.writes[-1] == b"last" and len(real.writes) == 4

    asyncio.run(run())


async def _plain(request):
    return Response(b'{"ok":true}', media_type="application/json", headers={"etag": '"1"'})


GATE = threading.Event()  # the streamed body starts once the test has seen the head


async def _stream(request):
    async def chunks():
        await asyncio.to_thread(GATE.wait, 10)
        yield b"first;"
        yield b"second"

    return StreamingResponse(chunks(), media_type="text/plain")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    app = Starlette(routes=[Route("/plain", _plain), Route("/stream", _stream)])
    port = _free_port()
    assert HTTP_PROTOCOL == "bch.cli.http_protocol:OneWriteHttpProtocol"  # what bch serve uses
    config = uvicorn.Config(app, port=port, http=HTTP_PROTOCOL, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    until(lambda: srv.started, "uvicorn serving", alive=thread.is_alive)
    assert config.http_protocol_class is OneWriteHttpProtocol
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=30)


def test_a_real_server_with_it_answers_as_before(server):
    with httpx.Client(base_url=server) as client:  # one keep-alive connection
        for _ in range(20):
            r = client.get("/plain")
            assert r.status_code == 200 and r.content == b'{"ok":true}'
            assert r.headers["etag"] == '"1"' and r.headers["content-length"] == "11"
        head = client.head("/plain")
        assert head.status_code == 200 and head.content == b""
        assert client.get("/plain").content == b'{"ok":true}'  # the connection still serves
        GATE.set()
        with client.stream("GET", "/stream") as streamed:
            assert streamed.status_code == 200
            assert b"".join(streamed.iter_bytes()) == b"first;second"


def test_a_streamed_answer_head_arrives_before_its_body_is_done(server):
    """The head of an answer whose body takes time is not held back until the body comes."""
    GATE.clear()
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        head = s.recv(65536)  # the body waits for GATE: a held head would time out here
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"first" not in head
        GATE.set()
        rest = b""
        while b"second" not in rest:
            rest += s.recv(65536)
    assert b"first;" in rest
