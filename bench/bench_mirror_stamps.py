"""What stamping mirrored records with the central's times and warnings costs a node's bootstrap
(issue 12, bch.storage.mirror_stamps): the CPU time of stamp_publishes per record, in batches of
NodePull.BATCH, on a copy of a central's SQLite database (BENCH_CENTRAL_DB, e.g. the one
bench_nodes builds in BENCH_DIR; without it, the shipped real data is loaded first, about a
minute), each record stamped with its own times (what the central's dump
says), BENCH_STAMP_ROUNDS times over every record. Compare with the node CPU per record of
bench_nodes' bootstrap measured in the same run. Each stamp carries the revision's publisher
too (a dump line's publishedBy, here the stored account) unless BENCH_STAMP_BY=0: run both to
see what the publisher costs."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from bch.services.container import Services
from bch.services.node_pull import BATCH
from bch.storage.mirror_stamps import CentralStamp, stamp_publishes
from bch.storage.rows import as_utc
from bch.storage.tables import documents, revisions
from bench.bench_api import build


def main() -> None:
    rounds = int(os.environ.get("BENCH_STAMP_ROUNDS", "10"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "node.db"
        given = os.environ.get("BENCH_CENTRAL_DB")
        if given:
            with sqlite3.connect(given) as src, sqlite3.connect(path) as dst:
                src.backup(dst)
        else:
            build(path, 0)[0].close()  # the shipped real records only
        svc = Services.open(f"sqlite:///{path}", upgrade=False)
        with svc.engine.connect() as conn:
            rows = conn.execute(
                select(
                    documents.c.id,
                    documents.c.latest_revision,
                    documents.c.created_at,
                    documents.c.updated_at,
                    revisions.c.warnings,
                    revisions.c.created_by,
                ).join(
                    revisions,
                    (revisions.c.document_id == documents.c.id)
                    & (revisions.c.revision == documents.c.latest_revision),
                )
            ).all()
        by = os.environ.get("BENCH_STAMP_BY", "1") != "0"
        stamps = [
            CentralStamp(r[0], r[1], as_utc(r[2]), as_utc(r[3]), r[4], r[5] if by else None)
            for r in rows
        ]
        cpu = 0.0
        for _ in range(rounds):
            for i in range(0, len(stamps), BATCH):
                with svc.engine.begin() as conn:
                    t0 = time.process_time()
                    stamp_publishes(conn, stamps[i : i + BATCH])
                    cpu += time.process_time() - t0
        n = len(stamps) * rounds
        load = os.getloadavg()[0]
        print(
            f"stamp_publishes ({'with' if by else 'without'} publishers): {n} records stamped, "
            f"CPU {cpu:.2f} s, "
            f"{cpu / n * 1000:.3f} ms/record (load average {load:.1f})"
        )
        svc.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
