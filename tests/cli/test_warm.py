"""A server process builds its slow first-use state at its start, in a background thread, not in
a reader's request (issue 15 item 3): the external snapshots and the resolver (MatchService.warm,
built once even when two threads ask), the search index, the hot pages' templates. Its state is
shown (/healthz and /readyz `warm`, two log lines of `bch serve`): the export crash test kills
servers before their warming ends, seen from outside."""

from __future__ import annotations

import os
import subprocess
import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.cli.warm import start_warming, warm, warm_if_asked
from bch.settings import Settings
from tests.nodes.harness import BCH, ROOT, free_port
from tests.waiting import until


def test_warming_builds_the_first_use_state_in_the_background(services):
    from bch.web.render import environment

    assert "matches" not in services.__dict__  # nothing built yet in this process's services
    thread = start_warming(services)
    assert thread.daemon and thread is not threading.current_thread()
    thread.join(timeout=600)
    assert not thread.is_alive()
    assert services.matches.warmed
    index = services.search.index
    if index is not None:
        if index._builder is not None:
            index._builder.join(timeout=600)
        assert index.status == "ready"
    assert any(key[1] == "lmo.html" for key in environment().cache)
    assert services.change_follower._seq is not None  # the follower looked at the sequence


def test_the_snapshots_are_built_once_when_two_threads_ask(services, monkeypatch):
    from bch.services import matches

    calls = []
    real = matches.shipped_snapshots
    monkeypatch.setattr(matches, "shipped_snapshots", lambda: calls.append(1) or real())
    svc = services.matches
    threads = [threading.Thread(target=svc.warm) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert svc.warmed and len(calls) <= 1


def test_bch_warm_off_starts_no_warming(services):
    """BCH_WARM=off (the suite's servers, tests/conftest.py): nothing is built at the start; on
    (the default) the warming starts."""
    assert warm_if_asked(services, Settings.from_environ({"BCH_WARM": "off"})) is None
    assert "matches" not in services.__dict__
    thread = warm_if_asked(services, Settings())
    assert thread is not None
    thread.join(timeout=600)
    assert services.matches.warmed


def test_the_warming_state_is_on_healthz_and_readyz(services, monkeypatch):
    client = TestClient(create_app(services))
    assert client.get("/healthz").json()["warm"] == "off"  # BCH_WARM=off: never started
    entered, release = threading.Event(), threading.Event()
    monkeypatch.setattr(services.matches, "warm", lambda: entered.set() or release.wait(60) or None)
    thread = start_warming(services)
    try:
        assert entered.wait(60)
        assert client.get("/healthz").json()["warm"] == "warming"
        r = client.get("/readyz")  # a process still warming gets no readers from the balancer
        assert r.status_code == 503 and r.json()["warm"] == "warming", r.text
        assert "start-up warming in progress" in r.json()["problems"]
    finally:
        release.set()
    thread.join(timeout=600)
    assert client.get("/healthz").json()["warm"] == "ready"
    until(lambda: client.get("/readyz").status_code == 200, "/readyz ready")
    assert client.get("/readyz").json()["warm"] == "ready"

    def broken() -> None:
        raise RuntimeError("a snapshot could not be read")

    monkeypatch.setattr(services.matches, "warm", broken)
    warm(services)  # logged; the requests build what they need, as without warming
    assert client.get("/healthz").json()["warm"] == "failed"
    until(lambda: client.get("/readyz").status_code == 200, "/readyz ready after a failed warming")


@pytest.mark.slow
def test_bch_serve_shows_its_warming_start_and_end(tmp_path):
    """The log lines a test (or an operator) watches: both printed by a one-process `bch serve`
    (before, the warming started before the app set up the logging, and its lines were lost)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [BCH, "serve", "--empty", "--port", str(port), "--workers", "1"]
    cmd += ["--database", f"sqlite:///{tmp_path / 'bch.db'}"]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        env = {**os.environ, "BCH_WARM": "on"}
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:

        def warmed() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=10).json()["warm"] == "ready"
            except httpx.HTTPError:
                return False

        until(warmed, "bch serve warmed", alive=lambda: proc.poll() is None)
        text = log.read_text()  # the end's line is written before the state says "ready"
        assert "warm: started" in text, text
        assert text.index("warm: started") < text.index("warm: snapshots"), text
    finally:
        proc.terminate()
        proc.wait(timeout=60)
