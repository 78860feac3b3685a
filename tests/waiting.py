"""Waiting for what another thread or process does, without timing it: the wait ends when the
thing has happened (or can no longer happen). The guard only ends a hang; it is far beyond any
wait on a loaded machine and is not a measurement (speed is measured in bench/)."""

from __future__ import annotations

import time
from collections.abc import Callable

HANG_GUARD = 300.0  # seconds


def until(
    predicate: Callable[[], object],
    what: str,
    *,
    alive: Callable[[], bool] = lambda: True,
    interval: float = 0.02,
    guard: float = HANG_GUARD,
) -> None:
    """Return once `predicate()` is true; fail when `alive()` says it can no longer become
    true, or after `guard` seconds (a hang)."""
    end = time.monotonic() + guard
    while not predicate():
        if not alive():
            raise AssertionError(f"gave up waiting: {what} can no longer happen")
        if time.monotonic() > end:
            raise AssertionError(f"{what} did not happen in {guard:g} s: a hang")
        time.sleep(interval)


def healthy(base: str, timeout: float = 30) -> bool:
    """GET {base}/healthz (plain http://host:port) answers 200. For polls: http.client, no TLS
    context to build (httpx.get builds one per call, ~23 ms of CPU: a poll every 20 ms took a
    core from the server it waited for)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def until_serving(base: str, proc) -> None:
    """Return once the `bch serve` process `proc` answers GET {base}/healthz; fail if it ends."""
    import httpx

    # one client for the whole wait: httpx.get makes a client per call, and each loads the
    # certificate bundle into a TLS context (about 45 ms of CPU) even for a plain http:// poll
    with httpx.Client(timeout=2) as client:

        def up() -> bool:
            try:
                return client.get(f"{base}/healthz").status_code == 200
            except httpx.HTTPError:
                return False

        until(up, "bch serve answering", alive=lambda: proc.poll() is None)
