"""The HTTP protocol `bch serve` gives uvicorn: its httptools protocol (pinned, uvicorn's
"standard" extra), with each response's head and the first part of its body sent in one write.

uvicorn writes the status line and headers when the application sends `http.response.start`,
then the body when it sends `http.response.body`: two `send()` system calls and two TCP
segments for every small answer. On a cached record GET the first of them was about a quarter
of the server's CPU time (py-spy, issue 15 item 2: the kernel's loopback path runs in the
sender's system call). Here a small write is held back and sent together with the next one,
or at the event loop's next turn when no other write follows (a streaming answer's head, an
event stream's event), or before the connection closes: the bytes and their order are the
same, only the number of writes changes."""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: writes up to this size wait for the next one (a response head is a few hundred bytes)
HOLD_MAX = 16 * 1024


class OneWriteTransport:
    """A connection's transport as the protocol sees it: writes as the real transport's, a
    small one held until the next write or the loop's next turn."""

    __slots__ = ("_real", "_held", "_loop")

    def __init__(self, real: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._real = real
        self._held: bytes | None = None
        self._loop = loop

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._real.write(held + data)
        elif len(data) <= HOLD_MAX:
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
        else:
            self._real.write(data)

    def writelines(self, lines) -> None:
        self.write(b"".join(lines))

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._real.is_closing():
                self._real.write(held)

    def is_closing(self) -> bool:
        return self._real.is_closing()

    def close(self) -> None:
        self.flush()
        self._real.close()

    def __getattr__(self, name: str):  # get_extra_info, pause_reading, set_protocol, abort...
        return getattr(self._real, name)


class OneWriteHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a OneWriteTransport (`bch serve`: uvicorn's `http`)."""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(OneWriteTransport(transport, self.loop))
