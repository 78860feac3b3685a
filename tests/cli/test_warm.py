"""A server process builds its slow first-use state at its start, in a background thread, not in
a reader's request (issue 15 item 3): the external snapshots and the resolver (MatchService.warm,
built once even when two threads ask), the search index, the hot pages' templates."""

from __future__ import annotations

import threading

from bch.cli.warm import start_warming, warm_if_asked
from bch.settings import Settings


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
