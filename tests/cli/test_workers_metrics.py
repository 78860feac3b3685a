"""`bch serve --workers 2`: one scrape of /metrics, through either worker, gives the totals of
both (prometheus_client's multiprocess mode in a directory the supervisor makes and removes)."""

from __future__ import annotations

import glob
import re

import pytest

from tests.cli.test_workers import serve_workers, two_workers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workers")]
ROUTE = "/api/v1/records/{record_id}"


def requests_of(metrics: bytes, route: str) -> float:
    """The sum of bch_http_requests_total over the statuses and methods of `route`."""
    total = 0.0
    for line in metrics.decode().splitlines():
        match = re.match(r"^bch_http_requests_total\{(.*)\} (\S+)$", line)
        if match and f'route="{route}"' in match.group(1):
            total += float(match.group(2))
    return total


@pytest.mark.parametrize("services", ["postgres"], indirect=True)
def test_one_scrape_counts_the_requests_of_both_workers(services, tmp_path):
    url = services.engine.url.render_as_string(hide_password=False).split("?")[0]
    # a temporary folder of its own: other servers on the machine make theirs in the shared one
    env = {"BCH_RATE_LIMIT": "off", "BCH_REDIS_URL": "", "TMPDIR": str(tmp_path)}
    before = set(glob.glob(f"{tmp_path}/bch-metrics-*"))
    with serve_workers(url, env) as (server, port):
        a, b = two_workers(server, port)
        made = set(glob.glob(f"{tmp_path}/bch-metrics-*")) - before
        assert len(made) == 1, made  # the supervisor's directory
        for worker, n in ((a, 5), (b, 3)):
            for i in range(n):
                status, _, _ = worker.call("GET", f"/api/v1/records/BCH-NONE-{i}-1")
                assert status == 404
        for worker in (a, b):
            status, headers, body = worker.call("GET", "/metrics")
            assert status == 200 and headers["content-type"].startswith("text/plain")
            assert requests_of(body, ROUTE) == 8, body.decode()[:2000]
            assert b"bch_change_sequence_head" in body and b"bch_database_up 1.0" in body
    assert not set(glob.glob(f"{tmp_path}/bch-metrics-*")) - before, "left behind"
