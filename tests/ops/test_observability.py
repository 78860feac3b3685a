"""Probes, request ids, structured logs and metrics (issue 15 item 7), on both databases."""

from __future__ import annotations

import io
import json
import logging
import time

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bch.api import observability
from bch.api.app import create_app
from bch.api.observability import Metrics, Recorder, configure_logging
from bch.storage.migrate import head_revisions
from tests import factories
from tests.waiting import until


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_healthz_is_alive_and_readyz_checks_database_migrations_and_index(services):
    services.records.publish(factories.organism())
    client = TestClient(create_app(services))
    live = client.get("/healthz")
    assert live.status_code == 200 and live.json()["status"] == "ok"
    answers = []
    until(lambda: answers.append(client.get("/readyz")) or answers[-1].status_code == 200,
          "/readyz ready")  # fmt: skip
    body = answers[-1].json()
    assert body["status"] == "ready" and body["problems"] == []
    assert set(body["migrations"]) == head_revisions()
    assert body["records"] == 1 and body["sequence"] == 1
    assert body["searchIndex"] == "ready"
    # before, only the search index was missing (its build runs in the background)
    for r in answers[:-1]:
        assert r.status_code == 503 and r.json()["problems"] == ["search index building"]


def test_readyz_never_builds_the_search_index_inside_the_request(services, monkeypatch):
    """The probe starts the build in the background and answers at once: 503 "search index
    building" while the build runs (held here until the probe has answered), then 200."""
    import threading

    from bch.storage import bitmap_index

    services.records.publish(factories.organism())
    release, entered = threading.Event(), threading.Event()
    real_build = bitmap_index.BitmapIndex.build.__func__
    builders: list[str] = []

    def held_build(cls, conn):
        builders.append(threading.current_thread().name)
        entered.set()
        assert release.wait(60), "the test never released the build"
        return real_build(cls, conn)

    monkeypatch.setattr(bitmap_index.BitmapIndex, "build", classmethod(held_build))
    client = TestClient(create_app(services))
    try:
        r = client.get("/readyz")  # answers although the build cannot finish
        assert r.status_code == 503, r.text
        assert r.json()["searchIndex"] == "building"
        assert r.json()["problems"] == ["search index building"]
        assert entered.wait(30)  # the build runs, in another thread
        assert client.get("/healthz").json()["searchIndex"] == "building"
        assert client.get("/readyz").status_code == 503  # a second probe starts no second build
    finally:
        release.set()
    until(lambda: client.get("/readyz").status_code == 200, "/readyz ready after the build")
    assert client.get("/readyz").json()["searchIndex"] == "ready"
    assert builders == ["bch-search-index"]  # one build, in the background thread


def test_readyz_answers_503_with_the_reason_when_a_migration_is_missing(services):
    from sqlalchemy import text

    client = TestClient(create_app(services))
    with services.engine.begin() as conn:
        (one,) = sorted(head_revisions())[:1]
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = :v"), {"v": one})
    try:
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["status"] == "not ready"
        assert any(one in p for p in r.json()["problems"])
        assert client.get("/healthz").status_code == 200  # alive all the same
    finally:  # the worker's database is shared by the next tests: its version row goes back
        with services.engine.begin() as conn:
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": one})


def test_readyz_answers_503_when_the_database_is_unreachable(services, tmp_path):
    from bch.services.container import Services

    broken = Services(
        services.engine.__class__.__new__(services.engine.__class__),
        services.registry,
        services.thesaurus,
        services.settings,
    )
    # an engine pointing at a database that does not exist
    from bch.storage.engine import make_engine

    broken.engine = make_engine(
        "postgresql://postgres@127.0.0.1:1/none"
        if services.db.name == "postgresql"
        else f"sqlite:///{tmp_path / 'missing' / 'no.db'}"
    )
    client = TestClient(create_app(broken))
    r = client.get("/readyz")
    assert r.status_code == 503
    assert "database not reachable" in r.json()["problems"][0]
    assert client.get("/healthz").status_code == 200
    m = _samples(client.get("/metrics").text)
    assert m[("bch_database_up", ())] == 0
    broken.engine.dispose()


def test_request_id_in_and_out_and_in_the_json_log(services):
    stream = io.StringIO()
    client = TestClient(create_app(services.configured(BCH_LOG_FORMAT="json")))
    handler = configure_logging("json", stream)
    try:
        r = client.get("/api/v1/records", headers={"X-Request-ID": "probe-123.abc"})
        assert r.headers["x-request-id"] == "probe-123.abc"
        hostile = client.get("/healthz", headers={"X-Request-ID": b"a b\xe9<script>"})
        made = hostile.headers["x-request-id"]
        assert "script" not in made and len(made) == 32  # replaced, never echoed
        bare = client.get("/healthz")
        assert len(bare.headers["x-request-id"]) == 32
    finally:
        logging.getLogger("bch").removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [x for x in lines if x["logger"] == "bch.request"]
    first = next(x for x in access if x["requestId"] == "probe-123.abc")
    assert first["route"] == "/api/v1/records" and first["status"] == 200
    assert first["method"] == "GET" and first["durationMs"] >= 0
    assert any(x["requestId"] == made for x in access)


def test_text_log_escapes_control_characters(services):
    stream = io.StringIO()
    client = TestClient(create_app(services))
    handler = configure_logging("text", stream)
    try:
        client.get("/nothing%0Aforged line 200")
    finally:
        logging.getLogger("bch").removeHandler(handler)
    lines = [line for line in stream.getvalue().splitlines() if "bch.request" in line]
    assert len(lines) == 1 and "\\x0a" in lines[0]
    assert not any(line.startswith("forged") for line in stream.getvalue().splitlines())


def test_metrics_count_requests_by_route_template_and_report_the_sequence(services):
    ident = services.records.publish(factories.organism()).identifier
    services.records.publish(factories.organism())
    client = TestClient(create_app(services))
    assert client.get(f"/api/v1/records/{ident}").status_code == 200
    assert client.get("/api/v1/records/no-such-record").status_code == 404
    client.get("/api/v1/records?q=zea")  # builds the index
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    m = _samples(r.text)
    route = "/api/v1/records/{record_id}"
    key = lambda status: (  # noqa: E731
        "bch_http_requests_total",
        (("method", "GET"), ("route", route), ("status", status)),
    )
    assert m[key("200")] == 1 and m[key("404")] == 1
    assert not any(ident in str(k) for k in m)  # templates, never raw paths
    assert m[("bch_http_request_duration_seconds_count", (("route", route),))] == 2
    assert m[("bch_change_sequence_head", ())] == 2
    assert m[("bch_records", ())] == 2
    assert m[("bch_search_index_lag_changes", ())] == 0
    services.records.publish(factories.organism())
    m = _samples(client.get("/metrics").text)
    assert m[("bch_change_sequence_head", ())] == 3
    assert m[("bch_search_index_lag_changes", ())] == 1  # not applied until the next search


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_request_line_written_without_a_log_record_is_the_line_logging_writes(
    monkeypatch, log_format
):
    """Recorder.done writes the request line itself when `configure_logging`'s handler is the
    only one that would see it (issue 15 item 2): the same line, byte for byte, as logging
    makes of the record; with any other handler or filter about, the record is made."""
    monkeypatch.setattr(time, "time", lambda: 1764813600.987654)  # one moment for both ways
    monkeypatch.setattr(logging.root, "handlers", [])  # pytest's capture handler is on root
    stream = io.StringIO()
    handler = configure_logging(log_format, stream)
    recorder = Recorder(Metrics())
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/records/BCH-LMO-SCBD-1-1\n forged",
        "client": ("10.0.0.7", 5000),
    }
    try:
        with monkeypatch.context() as m:  # written directly: no LogRecord is made
            m.setattr(logging.Logger, "makeRecord", lambda *a, **k: pytest.fail("a record"))
            recorder.done(scope, 200, 0.01234, False, "rid-1")
        with monkeypatch.context() as m:  # through logging
            m.setattr(observability, "_sole_handler", lambda: None)
            recorder.done(scope, 200, 0.01234, False, "rid-1")
        with monkeypatch.context() as m:  # another handler sees the records: logging writes
            other = logging.Handler()
            m.setattr(logging.root, "handlers", [other])
            assert observability._sole_handler() is None
    finally:
        logging.getLogger("bch").removeHandler(handler)
    direct, usual = stream.getvalue().splitlines()
    assert direct == usual
    assert "\\x0a forged" in direct and "rid-1" in direct
    if log_format == "json":
        line = json.loads(direct)
        assert line["client"] == "10.0.0.7" and line["status"] == 200
        assert line["path"].endswith("\n forged")  # the JSON string escapes it itself
    else:
        second = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1764813600))
        assert direct.startswith(f"{second},987 INFO bch.request: GET /api/v1/records/")
        assert direct.endswith("BCH-LMO-SCBD-1-1\\x0a forged 200 12.3 ms [rid-1]")
