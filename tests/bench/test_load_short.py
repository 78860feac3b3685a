"""A bounded run of `make load` (issue 15 item 5): locust's realistic mix (search, record GET,
LMO page, feed, export, publishing through the workflow) against a real `bch serve` on a copy
of the shipped data, REQUESTS requests at 10 users: no error. The run ends on a number of
requests answered, not after a few seconds (a run of 8 s could end with no request answered at
load 25); its seconds are only a hang's bound. The full run is `make load`."""

from __future__ import annotations

import pytest

from bench import load
from tests.accounts.helpers import PASSWORD
from tests.waiting import HANG_GUARD

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("load")]
REQUESTS = 120  # answered before the run ends (a record GET is 5 tasks of 14: among them)


@pytest.mark.parametrize("loaded_copy", ["sqlite"], indirect=True)
def test_a_short_load_has_no_error(loaded_copy, tmp_path, monkeypatch, capsys):
    for name in ("BCH_RATE_EXEMPT_IPS", "BCH_RATE_WRITE", "BCH_RATE_LOGIN"):
        monkeypatch.setenv(name, "")  # bench.load sets them for its server: restored after
    monkeypatch.setenv("LOAD_DIR", str(tmp_path))
    # its server warms at its start as in production (`make load`): the requests of the mix meet
    # the warming thread, which the suite's other servers skip (BCH_WARM=off, tests/conftest.py)
    monkeypatch.setenv("BCH_WARM", "on")
    monkeypatch.setattr(load, "EMAIL", "load-test@kenya.example.org")
    monkeypatch.setattr(load, "PASSWORD", PASSWORD)
    loaded_copy.accounts.add_user(
        load.EMAIL, role="nfp", country="KE", password=PASSWORD, by="test"
    )
    url = loaded_copy.engine.url.render_as_string(hide_password=False)
    db = loaded_copy.engine.url.database
    loaded_copy.close()
    paths = load.paths(load.Path(db), tmp_path)
    argv = ["--requests", str(REQUESTS), "--seconds", str(int(HANG_GUARD))]
    argv += ["--users", "10", "--workers", "1", "--database", url]
    status = load.main([*argv, "--paths", str(paths)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "OK: no error" in out
    rows = {r["Name"]: r for r in load.read_csv(tmp_path / "locust_stats.csv")}
    assert int(rows["Aggregated"]["Request Count"]) >= REQUESTS, out
    assert all(int(r["Failure Count"]) == 0 for r in rows.values()), out
    # the mix ran (in a short run not every kind need come up; `make load` runs them all for 60 s)
    assert "record GET" in rows, out
