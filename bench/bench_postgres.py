"""The unified API on PostgreSQL, the production database: BENCH_PG_RECORDS synthetic records
(default 100,000; made from the real ones exactly as bench_api makes them) in a throwaway
database on the local server (BCH_TEST_POSTGRES_URL or postgresql://postgres@127.0.0.1/postgres),
then over HTTP against a real uvicorn server: search p50/p95 (the same searches as bench_api),
record GET throughput against the bare endpoint, and the NDJSON export. The issue's targets are
set for SQLite; these figures show the same engine on PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid

import httpx
import psycopg

from bch.services.container import Services
from bch.settings import Settings
from bch.storage.bitmap_index import discard_snapshot, snapshot_path
from bch.storage.engine import make_engine
from bench.bench_api import (
    bch_queries,
    measure_export,
    measure_gets,
    measure_search,
    populate,
    sample_ids,
)
from bench.servers import bch_server, wait_for_index

ADMIN = os.environ.get("BCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main() -> None:
    total = int(os.environ.get("BENCH_PG_RECORDS", "100000"))
    queries = int(os.environ.get("BENCH_QUERIES", "200"))
    name = f"bch_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rpartition("/")[0] + "/" + name
    figures: dict[str, object] = {"database": "postgresql"}
    try:
        svc, load = populate(Services.open(url), total)
        with svc.store.reading() as conn:
            figures["records"] = svc.store.count_documents(conn)
        figures["load_s"] = round(load, 1)
        ids = sample_ids(svc)
        svc.close()
        server = bch_server(url)
        try:
            with httpx.Client(timeout=60) as c:
                urls = [server.url(u) for u in bch_queries(queries)]
                figures["search_index_build_s"] = wait_for_index(c, server)
                figures.update(measure_search(c, urls))
            figures.update(measure_gets(server, ids))
            figures.update(measure_export(server))
        finally:
            server.stop()
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        folder = Settings.from_environ().search_index_dir  # where the server saved its index
        discard_snapshot(snapshot_path(make_engine(url), folder))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
