"""What copying the central's older revisions costs a national node's first sync (issue 12:
"mirrored records keep their central identifiers and revisions"; bch.services.node_history).

A central (`bch serve`, SQLite, its own process) holding the shipped real data (BENCH_NODE_RECORDS
records: 0 = the shipped ones only, else with labelled synthetic copies, as bench_nodes); a new
node (SQLite, in this process) runs its first `sync --once` (bootstrap, feed, older revisions),
each bootstrap mode (BENCH_NODE_MODES, default "tables,dumps") without the copy of older
revisions (NodePull.history = None: the code before) and with it, in the order off, on, on, off
(each way once first and once second) in the same run. Then the same
after every record of the central got one more revision (synthetic: each record's latest revision
repeated as the next, so every record has one older revision of its real size). Prints wall
seconds, the history's share, revisions copied and the node's database size."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select, update

from bch.services.container import Services
from bch.storage.tables import documents, revisions
from bench.bench_nodes import Serve, _central
from bench.bench_nodes import _copy as copy_db


def _repeat_latest(path: Path) -> int:
    """Every record's latest revision repeated as its next one (synthetic history)."""
    svc = Services.open(f"sqlite:///{path}", upgrade=False)
    try:
        with svc.store.writing() as conn:
            latest = conn.execute(
                select(revisions).join(
                    documents,
                    (documents.c.id == revisions.c.document_id)
                    & (documents.c.latest_revision == revisions.c.revision),
                )
            ).mappings().all()  # fmt: skip
            rows = [{**r, "revision": r["revision"] + 1} for r in latest]
            for i in range(0, len(rows), 2000):
                conn.execute(insert(revisions), rows[i : i + 2000])
            conn.execute(update(documents).values(latest_revision=documents.c.latest_revision + 1))
        return len(rows)
    finally:
        svc.close()


def _older(path: Path) -> int:
    svc = Services.open(f"sqlite:///{path}", upgrade=False)
    try:
        with svc.engine.connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(revisions.join(documents, documents.c.id == revisions.c.document_id))
                .where(revisions.c.revision < documents.c.latest_revision)
            ).scalar_one()
    finally:
        svc.close()


def _first_sync(central_url: str, folder: Path, template: Path, mode: str, history: bool):
    path = folder / f"node-{mode}-{history}.db"
    shutil.copyfile(template, path)
    svc = Services.open(f"sqlite:///{path}", upgrade=False).configured(BCH_NODE_BOOTSTRAP=mode)
    try:
        svc.node.configure(central_url, "CA")
        if not history:
            svc.node.pull.history = None
        spent = {"history": 0.0}
        if history:
            copy = svc.node.pull.history.copy

            def timed(*a, **kw):
                t = time.perf_counter()
                try:
                    return copy(*a, **kw)
                finally:
                    spent["history"] += time.perf_counter() - t

            svc.node.pull.history.copy = timed
        t0 = time.perf_counter()
        svc.node.sync_once(sole=True)
        wall = time.perf_counter() - t0
        copied = (svc.node.status().get("history") or {}).get("revisions", 0)
    finally:
        svc.close()
    size = sum(p.stat().st_size for p in folder.glob(f"{path.name}*"))
    path.unlink()
    for leftover in folder.glob(f"{path.name}-*"):
        leftover.unlink()
    return wall, spent["history"], copied, size


def main() -> None:
    total = int(os.environ.get("BENCH_NODE_RECORDS", "0"))
    modes = os.environ.get("BENCH_NODE_MODES", "tables,dumps").split(",")
    folder = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="bench-history-"))
    folder.mkdir(parents=True, exist_ok=True)
    built = _central(folder, total)
    template = folder / "empty-node.db"
    if not template.exists():
        Services.open(f"sqlite:///{template}").close()  # migrated, empty
    print(f"load average: {os.getloadavg()}", flush=True)
    for label in ("as built", "one more revision each (synthetic)"):
        central_path = folder / "central-run.db"
        central_path.unlink(missing_ok=True)
        shutil.rmtree(folder / "central-run.db.table-snapshots", ignore_errors=True)
        copy_db(built, central_path)
        if label != "as built":
            print(f"  revisions added: {_repeat_latest(central_path)}", flush=True)
        print(f"central {label}: {_older(central_path)} older revisions", flush=True)
        central = Serve(f"sqlite:///{central_path}")
        try:
            for mode in modes:
                for history in (False, True, True, False):  # each way first once: warm-up
                    wall, spent, copied, size = _first_sync(
                        central.url(""), folder, template, mode, history
                    )
                    print(
                        f"  {mode:6} history {'on ' if history else 'off'}: {wall:6.1f} s "
                        f"(history {spent:5.1f} s, {copied} revisions), "
                        f"node database {size / 1e6:6.1f} MB",
                        flush=True,
                    )
        finally:
            central.stop()
    print(f"load average: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
