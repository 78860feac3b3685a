"""The v2013 offset order after a change, in process (SQLite): CPU time of the first page after
each change when the kept order is updated from the change feed
(bch.storage.search.position_changes) against a fresh walk of every hit at the same state
(what every first page after a change cost before), for the harvester's request (the LMOs,
`updatedDate_dt asc, identifier_s asc`) and for all records.

The database is bench_api's (BENCH_RECORDS records, default 50,000: the shipped real records
plus labelled synthetic copies; kept in BENCH_DIR when set). Each change is a new revision or a
deletion of a synthetic LMO (its note says which benchmark revision it is). Both answers are
compared: they must be equal.

Usage: BENCH_DIR=/tmp/x BENCH_RECORDS=50000 python -m bench.bench_position_changes"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from bch.services.container import Services
from bch.storage.scope import EVERYTHING
from bch.storage.search.contract import Filter, SearchRequest
from bch.storage.search.sql import SqlSearch
from bench.bench_api import NOTE, build
from bench.bench_v2013 import synthetic_lmos

ORDER = [("updated", False), ("identifier", False)]
REQUESTS = {
    "harvester_lmos": SearchRequest(
        scope=EVERYTHING,
        filters=(
            Filter("column", "schema", "schema", ("modifiedOrganism",)),
            Filter("column", "realm", "realm", ("BCH",)),
        ),
    ),
    "all_records": SearchRequest(scope=EVERYTHING),
}


def _cpu_ms(engine: SqlSearch, request: SearchRequest, start: int) -> tuple[float, tuple]:
    """CPU milliseconds of one page of 100 at `start`, and the page."""
    began = time.process_time()
    out = engine.ordered_ids(request, ORDER, start, 100)
    return (time.process_time() - began) * 1000, out


def main() -> None:
    total = int(os.environ.get("BENCH_RECORDS", "50000"))
    rounds = int(os.environ.get("BENCH_CHANGES", "20"))
    root = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="bch-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    path = root / "bench.db"
    if not path.exists():
        build(path, total)[0].close()
    svc = Services.open(f"sqlite:///{path}")
    rnd = random.Random(17)
    out: dict[str, object] = {"load_average_before": [round(x, 1) for x in os.getloadavg()]}
    try:
        idents = synthetic_lmos(svc, rnd, rounds)
        kept = SqlSearch(svc.search.sql.db)
        for request in REQUESTS.values():
            kept.ordered_ids(request, ORDER, 0, 100)  # the order walked once, then kept
        cpu: dict[str, dict[str, list[float]]] = {
            n: {"update": [], "walk": [], "kept": []} for n in REQUESTS
        }
        hits: dict[str, int] = {}
        for n, ident in enumerate(idents):
            if n % 2:
                svc.records.delete(ident, reason="benchmark deletion", by="bench:synthetic")
            else:
                body = svc.records.get(ident, with_links=False).document
                body["relevantInformation"] = {
                    "en": f"{NOTE.format(uid=ident)} Benchmark revision {n}."
                }
                svc.records.publish(body, by="bench:synthetic", strict=False)
            start = rnd.randrange(1000)
            for name, request in REQUESTS.items():
                walks = kept.positions.walks
                took, updated = _cpu_ms(kept, request, start)
                if kept.positions.walks != walks:
                    raise RuntimeError(f"{name}: walked again instead of updated")
                cpu[name]["kept"].append(_cpu_ms(kept, request, start)[0])  # the same state
                # a new engine keeps nothing: every hit walked
                walked_ms, walked = _cpu_ms(SqlSearch(svc.search.sql.db), request, start)
                if [d.id for d in updated[1]] != [d.id for d in walked[1]] or updated[0] != walked[
                    0
                ]:
                    raise RuntimeError(f"{name}: the updated page differs from a fresh walk")
                cpu[name]["update"].append(took)
                cpu[name]["walk"].append(walked_ms)
                hits[name] = walked[0]
        for name in REQUESTS:
            upd, walk, same = (statistics.median(cpu[name][k]) for k in ("update", "walk", "kept"))
            out[name] = (
                f"{hits[name]:,} hits: first page after a change, CPU median {upd:.1f} ms "
                f"updated vs {walk:.1f} ms walked (ratio {walk / max(upd, 0.01):.1f}x), "
                f"max {max(cpu[name]['update']):.1f} vs {max(cpu[name]['walk']):.1f} ms; "
                f"a page of the kept order (no change) {same:.1f} ms"
            )
            print(name, out[name], flush=True)
    finally:
        svc.close()
    out["changes"] = rounds
    out["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
