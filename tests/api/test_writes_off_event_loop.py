"""The account routes (token and sign-in, register, confirm, password reset) ran their service
call on the event loop, so every other request of the process waited for a password's hash.
They now run it in the thread pool, as sync routes do. Shown by holding the sign-in inside its
service call and asking for a public read meanwhile: it is answered while the sign-in is held.
Both backends.

The draft and publish routes stay on the event loop on purpose: moved to the thread pool, their
SQLite write transactions shared the process's GIL with tens of read threads, held the one write
lock longer and queued behind each other; the mixed load's p99 went from 750-880 ms to 2.0-2.1 s
at the same throughput (bench/RESULTS.md, 2026-12-04 evening)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from tests.accounts.helpers import PASSWORD, add_user, bearer

WAIT = 30  # seconds: only a bound on a hang, never reached when the code is right


class Held:
    """Wraps a service method: a call signals `entered`, waits for `release`, then runs."""

    def __init__(self, real: Callable):
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, *args, **kwargs):
        self.entered.set()
        assert self.release.wait(WAIT), "the test never released the write"
        return self.real(*args, **kwargs)


def _in_thread(call: Callable) -> tuple[threading.Thread, list]:
    out: list = []
    t = threading.Thread(target=lambda: out.append(call()), daemon=True)
    t.start()
    return t, out


def _read_answers_while_held(client: TestClient, held: Held, write: Callable) -> object:
    """Start `write` (which enters `held`), read /healthz meanwhile, then let the write go on;
    the write's response."""
    writer, written = _in_thread(write)
    try:
        assert held.entered.wait(WAIT), "the write never reached its service call"
        reader, read = _in_thread(lambda: client.get("/healthz"))
        reader.join(10)
        assert read and read[0].status_code == 200, "a read waited for a write held elsewhere"
        assert writer.is_alive()  # the write was still held while the read was answered
    finally:
        held.release.set()
        writer.join(WAIT)
    assert written, "the write did not finish"
    return written[0]


@pytest.fixture
def client_and_auth(services):
    services = services.configured(BCH_RATE_LIMIT="off")
    add_user(services, "nfp@kenya.example.org", "nfp", "KE", password=PASSWORD)
    with TestClient(create_app(services)) as client:  # one event loop for every request
        yield services, client, bearer(client, "nfp@kenya.example.org")


def test_a_sign_in_does_not_hold_the_event_loop(client_and_auth, monkeypatch):
    services, client, _auth = client_and_auth
    held = Held(services.accounts.login)
    monkeypatch.setattr(services.accounts, "login", held)
    body = {"email": "nfp@kenya.example.org", "password": PASSWORD}
    r = _read_answers_while_held(client, held, lambda: client.post("/api/v1/auth/token", json=body))
    assert r.status_code == 200 and r.json()["token"], r.text
