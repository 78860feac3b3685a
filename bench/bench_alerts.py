"""E-mail alerts (issue 14): how fast the worker matches changes against subscriptions and sends
the mails, and the Atom feed's latency, on the shipped real data (SQLite, a fresh file).

The shipped data is imported (its ~1,100 publishes are the changes), then BENCH_ALERT_SUBS
subscriptions (default 500; one e-mail address each, all immediate) are stored with filters
taken from the real data: a country, a country and a record type, a record type, an LMO UID.
Their confirmation time is set before the import (a benchmark shortcut), so every matching
change is queued. Mails go to a real SMTP server on 127.0.0.1 (aiosmtpd, which counts them).
Figures: changes matched per second, outbox rows written, mails per second (over the first
BENCH_ALERT_MAILS mails, default 3,000), feed p50/p95."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.importer.run import import_shipped
from bch.services.container import Services
from bch.services.mail import MailSettings
from tests.accounts.helpers import Mailbox, _free_port

SUBS = int(os.environ.get("BENCH_ALERT_SUBS", "500"))
MAILS = int(os.environ.get("BENCH_ALERT_MAILS", "3000"))  # mails sent for the figure


class Counting(Mailbox):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        self.messages.append(None)  # type: ignore[arg-type]
        return "250 OK"


def _filters(svc: Services) -> list[dict]:
    countries = [
        f["value"]
        for f in TestClient(create_app(svc))
        .get("/api/v1/records", params={"facet": "country", "limit": 1})
        .json()["facets"]["country"]
    ]
    shapes = []
    for i in range(SUBS):
        c = countries[i % len(countries)]
        kind = i % 4
        if kind == 0:
            shapes.append({"country": [c]})
        elif kind == 1:
            shapes.append({"country": [c], "schema": ["biosafetyDecision"]})
        elif kind == 2:
            shapes.append({"schema": ["modifiedOrganism"], "q": ["maize"]})
        else:
            shapes.append({"lmoUid": ["MON-ØØ81Ø-6"]})
    return shapes


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bch-alerts-bench-"))
    svc = Services.open(f"sqlite:///{folder / 'bench.db'}")
    svc = svc.configured(BCH_RATE_LIMIT="off", BCH_RATE_SUBSCRIBE="1000000/1")
    early = datetime(2000, 1, 1, tzinfo=UTC)
    for i, filters in enumerate(_filters_after_import(svc)):
        sub = svc.alerts.subscribe({"email": f"reader{i}@bench.invalid", "filters": filters})
        svc.alerts.confirm(sub.token)
        with svc.uow(changes=False) as tx:
            svc.alerts.repo.set(tx.conn, sub.id, confirmed_at=early)
    start = time.perf_counter()
    changes = queued = 0
    while True:
        step = svc.alerts.match()
        if not step.changes:
            break
        changes += step.changes
        queued += step.queued
    match_s = time.perf_counter() - start
    print(f"subscriptions: {SUBS}; changes matched: {changes} in {match_s:.2f} s "
          f"({changes / match_s:.0f} changes/s); outbox rows: {queued}", flush=True)  # fmt: skip
    box = Counting(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    svc.mailer.settings = MailSettings(host="127.0.0.1", port=box.port, sender="bch@bench.invalid")
    start = time.perf_counter()
    sent = 0
    while True:
        step = svc.alerts.deliver(limit=500)
        sent += step.sent
        if not (step.sent or step.retried) or sent >= MAILS:
            break
    send_s = time.perf_counter() - start
    controller.stop()
    client = TestClient(create_app(svc))
    times = []
    for i in range(40):
        t = time.perf_counter()
        r = client.get(
            "/api/v1/feeds/records.atom", params={"country": ["CA", "US"][i % 2], "limit": 50}
        )
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    times.sort()
    print(f"mails sent: {sent} (server counted {len(box.messages)}) in {send_s:.2f} s "
          f"({sent / send_s:.0f} mails/s)")  # fmt: skip
    print(f"feed (50 entries, country filter): p50 {statistics.median(times):.1f} ms, "
          f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms")  # fmt: skip
    svc.close()


def _filters_after_import(svc: Services) -> list[dict]:
    import_shipped(svc, None)
    return _filters(svc)


if __name__ == "__main__":
    main()
