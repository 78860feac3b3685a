"""Core figures on the shipped real data (SQLite, and PostgreSQL when reachable): import time,
re-import (no-op) time, record GET and LMO-by-UID latency through the in-process API, list paging,
and OECD UID parsing throughput."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.importer.plan import build_plan
from bch.importer.run import import_shipped
from bch.records.oecd_uid import parse_uid
from bch.services.container import Services


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_backend(name: str, url: str) -> None:
    svc = Services.open(url)
    t_import = _timed(lambda: import_shipped(svc))
    t_again = _timed(lambda: import_shipped(svc))
    client = TestClient(create_app(svc))
    ids = [i["id"] for i in client.get("/api/v1/records?limit=1000").json()["items"]]
    gets = []
    for rid in ids[:500]:
        start = time.perf_counter()
        client.get(f"/api/v1/records/{rid}")
        gets.append(time.perf_counter() - start)
    uids = ["MON-00810-6", "mon-øø81ø-6", "MON-89Ø34-3 x MON-88Ø17-3", "KM-ØØØH71-4"] * 50
    lmo = []
    for uid in uids:
        start = time.perf_counter()
        client.get(f"/api/v1/lmos/{uid}")
        lmo.append(time.perf_counter() - start)
    t_page = _timed(lambda: _walk(client))
    print(
        f"{name}: import {t_import:.1f} s, re-import (no change) {t_again:.1f} s; "
        f"GET record p50 {_pct(gets, 0.5):.1f} ms p95 {_pct(gets, 0.95):.1f} ms; "
        f"GET lmo by UID p50 {_pct(lmo, 0.5):.1f} ms p95 {_pct(lmo, 0.95):.1f} ms; "
        f"walk all records 100/page {t_page:.2f} s"
    )
    svc.close()


def _walk(client: TestClient) -> None:
    url = "/api/v1/records?limit=100"
    while url:
        r = client.get(url)
        url = r.links.get("next", {}).get("url")


def main() -> None:
    plan = build_plan()
    print(f"shipped data: {len(plan.documents)} records, {len(plan.detection_methods)} methods")
    uids = [d["uniqueIdentification"] for d in plan.documents if d.get("uniqueIdentification")]
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for u in uids:
            parse_uid(u)
    rate = rounds * len(uids) / (time.perf_counter() - start)
    print(f"OECD UID parsing: {rate:,.0f} UIDs/s (real UIDs and stacks)")
    with tempfile.TemporaryDirectory() as tmp:
        run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}")
    try:
        from tests.postgres import server_problem, throwaway_database
    except ImportError:
        return
    if server_problem() is None:
        with throwaway_database(f"bench{os.getpid()}") as url:
            run_backend("postgresql", url)


if __name__ == "__main__":
    main()
