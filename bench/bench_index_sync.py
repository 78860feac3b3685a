"""What every search pays to know whether the search index is current (bch.storage.bitmap_index
LiveIndex._sync_or_start): the latest change and the `search_rows` data mark in one statement
(bch.storage.change_mark.latest, since `bch db reindex` moves the mark), against the latest
change alone (bitmap_index.last_change, what it read before), measured in the same run on the
same connection: BENCH_SYNC_CALLS calls each, alternated in rounds, on a SQLite file holding
BENCH_SYNC_RECORDS synthetic organisms (labelled so) and on PostgreSQL when
BCH_TEST_POSTGRES_URL's server answers (a throwaway database, dropped after)."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from bch.services.container import Services
from bch.storage.bitmap_index import last_change
from bch.storage.change_mark import SEARCH_ROWS, latest

ADMIN = os.environ.get("BCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _organism(i: int) -> dict:
    return {
        "header": {"identifier": f"bench-sync-{i}", "schema": "organism", "languages": ["en"]},
        "scientificName": f"Synthetic organism {i} (benchmark)",
        "organismType": {"identifier": "TypeOfOrganisms.plants"},
    }


def _measure(name: str, url: str, records: int, calls: int) -> None:
    svc = Services.open(url)
    try:
        svc.records.publish_many([_organism(i) for i in range(records)], by="bench", strict=False)
        timings = {"last_change (before)": 0.0, "latest + search_rows mark (after)": 0.0}
        readers = [lambda c: last_change(c), lambda c: latest(c, SEARCH_ROWS)]
        with svc.engine.connect() as conn:
            for _ in range(5):
                for (label, _t), read in zip(timings.items(), readers, strict=True):
                    for _ in range(50):  # warm up
                        read(conn)
                    t0 = time.perf_counter()
                    for _ in range(calls // 5):
                        read(conn)
                    timings[label] += time.perf_counter() - t0
        for label, spent in timings.items():
            print(f"{name}: {label}: {spent / calls * 1e6:.1f} µs per search")
    finally:
        svc.close()


def main() -> None:
    records = int(os.environ.get("BENCH_SYNC_RECORDS", "2000"))
    calls = int(os.environ.get("BENCH_SYNC_CALLS", "20000"))
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        _measure("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", records, calls)
    name = f"bench_sync_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - no server: SQLite only
        print(f"PostgreSQL not measured: {exc}")
        return
    try:
        _measure("PostgreSQL", admin.url.set(database=name).render_as_string(False), records, calls)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
