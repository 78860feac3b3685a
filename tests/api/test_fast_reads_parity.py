"""The hot read path (issue 15 item 2, api/fast_reads.py) answers exactly what the route would:
for every shipped record and every shipped LMO by UID, the same status, body and headers (in the same order; only the
request id and the date differ), for a first read and for a conditional one (304). And what
sits around it still applies to the requests it answers: the rate limit counts them, the
metrics count them under the route's template, the request log writes one line each.
On both databases. The records are the shipped data's sample (tests/shipped_sample.py: every
record type, field and kind of value), all of them under BCH_TEST_FULL=1."""

from __future__ import annotations

import io
import logging
import time
from contextlib import contextmanager
from urllib.parse import quote

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bch.api.app import create_app
from bch.api.fast_reads import FastReads
from bch.api.observability import TextFormatter, configure_logging
from bch.storage.tables import documents, lmo_uids
from tests import factories
from tests.nodes.harness import state
from tests.shipped_sample import FULL, sample_ids

ROUTE = "/api/v1/records/{record_id}"
VARYING = {b"x-request-id", b"date"}


def _headers(response) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in response.headers.raw if k.lower() not in VARYING]


@contextmanager
def _route_only(monkeypatch):
    """Requests inside go past the fast path to the route (the path's look-up finds nothing)."""
    with monkeypatch.context() as m:
        m.setattr(FastReads, "_lookup", lambda self, scope, path: None)
        yield


def test_every_shipped_record_is_the_same_on_the_fast_path(loaded, monkeypatch):
    live = sorted(ident for ident, (_, _, deleted) in state(loaded).items() if not deleted)
    assert len(live) > 1000  # the shipped real data
    live = sample_ids(live)
    assert len(live) > 100
    app = create_app(loaded.configured(BCH_RATE_LIMIT="off"))
    svc, client = app.state.services, TestClient(app)
    served = 0
    for ident in live:
        path = f"/api/v1/records/{ident}"
        svc.read_cache.forget(None, svc.change_follower.poll())  # the route renders it anew
        with _route_only(monkeypatch):
            routed = client.get(path)
        hits = svc.read_cache.hits
        fast = client.get(path)
        if routed.status_code != 200:  # not cached (none in the shipped data): the route's
            assert fast.status_code == routed.status_code, ident
            continue
        assert svc.read_cache.hits == hits + 1, ident  # answered by the fast path
        served += 1
        assert fast.content == routed.content, ident
        assert _headers(fast) == _headers(routed), ident
        assert fast.headers["x-request-id"] != routed.headers["x-request-id"]
        # a conditional read: the same 304 both ways
        etag = {"If-None-Match": routed.headers["etag"]}
        with _route_only(monkeypatch):
            routed_304 = client.get(path, headers=etag)
        fast_304 = client.get(path, headers=etag)
        assert routed_304.status_code == fast_304.status_code == 304, ident
        assert fast_304.content == routed_304.content == b""
        assert _headers(fast_304) == _headers(routed_304), ident
    assert served == len(live)


def test_every_shipped_lmo_by_uid_is_the_same_on_the_fast_path(loaded, monkeypatch):
    """GET /api/v1/lmos/{uid} (an LMO's JSON by its OECD UID, in the spelling asked for)."""
    exact = lmo_uids.c.kind == "exact"
    with loaded.engine.connect() as conn:
        keys = conn.execute(select(lmo_uids.c.uid_key).where(exact).distinct()).scalars().all()
        by_record = conn.execute(
            select(lmo_uids.c.uid_key, documents.c.identifier)
            .join(documents, documents.c.id == lmo_uids.c.document_id)
            .where(exact)
        ).all()
        shared = conn.execute(  # UIDs more than one record holds
            select(lmo_uids.c.uid_key)
            .where(exact)
            .group_by(lmo_uids.c.uid_key)
            .having(func.count() > 1)
        ).scalars()
        if not FULL:  # the UIDs of the sample's LMOs, and every UID held more than once
            sampled = set(sample_ids(i for _, i in by_record))
            keys = {k for k, i in by_record if i in sampled} | set(shared)
        # MON810 (read again below), and two other spellings of its UID
        uids = sorted({*keys, "MON-00810-6", "MON810", "mon-ØØ81Ø-6"})
    assert len(uids) > 20
    app = create_app(loaded.configured(BCH_RATE_LIMIT="off"))
    svc, client = app.state.services, TestClient(app)
    served = 0
    for uid in uids:
        path = "/api/v1/lmos/" + quote(uid, safe="")
        with _route_only(monkeypatch):
            routed = client.get(path)
        hits = svc.read_cache.hits
        fast = client.get(path)
        assert fast.status_code == routed.status_code, uid
        if routed.status_code == 200:
            assert svc.read_cache.hits == hits + 1, uid  # answered by the fast path
            served += 1
        assert fast.content == routed.content, uid
        assert _headers(fast) == _headers(routed), uid
    assert served > len(uids) // 2
    # a signed-in reader, a query string: the route, never the cached answer
    hits = svc.read_cache.hits
    assert (
        client.get("/api/v1/lmos/MON-00810-6", headers={"Authorization": "Bearer x"}).status_code
        == 401
    )
    assert client.get("/api/v1/lmos/MON-00810-6?x=1").status_code == 200
    assert svc.read_cache.hits == hits + 1  # the query string's: by the route, from the cache


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_fast_path_answers_are_rate_limited_counted_and_logged(services):
    ident = services.records.publish(factories.organism("Zea mays")).identifier
    path = f"/api/v1/records/{ident}"
    app = create_app(services.configured(BCH_RATE_LIMIT="0.001,6"))
    services, client = app.state.services, TestClient(app)
    stream = io.StringIO()
    handler = configure_logging("text", stream)
    try:
        first = client.get(path)  # the route renders it and the cache keeps it
        assert first.status_code == 200
        hits = services.read_cache.hits
        codes = [client.get(path).status_code for _ in range(4)]
        codes.append(client.get(path, headers={"If-None-Match": first.headers["etag"]}).status_code)
        assert services.read_cache.hits == hits + 5  # all five from the fast path
        assert codes == [200, 200, 200, 200, 304]
        limited = client.get(path)  # the seventh request: over the burst of six
        assert limited.status_code == 429 and "retry-after" in limited.headers
        assert services.read_cache.hits == hits + 5
    finally:
        logging.getLogger("bch").removeHandler(handler)
    m = _samples(client.get("/metrics").text)

    def count(status: str) -> float:
        labels = (("method", "GET"), ("route", ROUTE), ("status", status))
        return m[("bch_http_requests_total", labels)]

    assert count("200") == 5 and count("304") == 1
    assert m[("bch_http_request_duration_seconds_count", (("route", ROUTE),))] == 6
    lines = [line for line in stream.getvalue().splitlines() if f"GET {path} " in line]
    assert [line.split(f"GET {path} ")[1].split()[0] for line in lines] == [
        *["200"] * 5,
        "304",
        "429",
    ]
    ids = [line.rsplit("[", 1)[1].rstrip("]") for line in lines]
    assert len(set(ids)) == len(lines) and all(len(i) == 32 for i in ids)


def test_the_log_time_made_once_per_second_is_the_time_logging_writes():
    fast, usual = TextFormatter("%(asctime)s %(message)s"), logging.Formatter("%(asctime)s")
    start = time.time()
    for offset in (0.0, 0.001, 0.5, 0.999, 1.0, 1.25, 3600.75, 0.002):
        record = logging.makeLogRecord({"msg": "x"})
        record.created = start + offset
        record.msecs = (record.created - int(record.created)) * 1000
        assert fast.formatTime(record) == usual.formatTime(record)
