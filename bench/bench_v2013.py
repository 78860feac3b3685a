"""Broad CBD v2013 queries at scale (SQLite): the database of bench_api (BENCH_RECORDS records,
default 1,000,000, real records plus labelled synthetic copies; kept in BENCH_DIR when set),
then, over HTTP against a real uvicorn server, the pages of queries that no column filter
answers: a text word in `q` and a thesaurus term clause, each sorted, several pages deep.

Each page is timed on its own (the first page of a query pays for any warm-up; later pages show
whether the work is repeated per page). A page that takes longer than BENCH_V2013_TIMEOUT
seconds (default 900) is reported as a timeout instead of a figure.

BENCH_V2013_MODE=latency: p50/p95 instead, of bench_api's harvester page at random offsets up to
the end and of each broad query (BROAD: text, thesaurus terms, an exact term, a title word,
facets) at random offsets within its hits (measure_latencies), then of the harvester page
right after a change (BENCH_V2013_CHANGES rounds, default 10: a new revision or a deletion of a
synthetic LMO, published by this process as another writer would; measure_after_changes), and
of the BROAD queries named in BENCH_V2013_AFTER (comma-separated, e.g.
"title_word,term_exact_broader") right after each change too: their first request after it.

BENCH_V2013_MODE=memory: the server's RSS and peak after the first request of each broad query
(measure_memory)."""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psutil
from sqlalchemy import select

from bch.services.container import Services
from bch.storage.tables import documents
from bench.bench_api import NOTE, _harvester_pages, _pct, build
from bench.servers import bch_server, wait_for_index

SORT = "updatedDate_dt desc, identifier_s asc"
PAGES = (0, 20, 1000)  # start offsets, 20 rows each (BENCH_V2013_PAGES="0,20" to change)
QUERIES = {
    "text_q_maize": [("q", "maize")],
    "term_traits_herbicides": [
        ("q", "*:*"),
        ("fq", "lmoTraits_REL_ss:dnaSequenceTraits.herbicides"),
    ],
    "text_and_schema": [("q", "soybean"), ("fq", "schema_s:biosafetyDecision")],
}


def v2013_url(params: list[tuple[str, str]], start: int, rows: int = 20) -> str:
    common = [("sort", SORT), ("start", str(start)), ("rows", str(rows)), ("wt", "json")]
    common.append(("fl", "identifier_s,title_t,updatedDate_dt"))
    return "/api/v2013/index/select?" + urlencode([*params, *common])


def measure_pages(client: httpx.Client, base: str, timeout: float) -> dict[str, object]:
    out: dict[str, object] = {}
    pages = [int(p) for p in os.environ.get("BENCH_V2013_PAGES", "").split(",") if p] or PAGES
    for name, params in QUERIES.items():
        for start in pages:
            began = time.perf_counter()
            try:
                r = client.get(base + v2013_url(params, start), timeout=timeout)
            except httpx.TimeoutException:
                out[f"{name}_start{start}"] = f"timeout > {timeout:.0f} s"
                continue
            took = time.perf_counter() - began
            if r.status_code != 200:
                raise RuntimeError(f"{name} start={start} -> {r.status_code}: {r.text[:300]}")
            found = r.json()["response"]["numFound"]
            out[f"{name}_start{start}"] = f"{took * 1000:,.0f} ms (numFound {found:,})"
            print(name, start, out[f"{name}_start{start}"], flush=True)
    return out


# Broad queries timed at random offsets (BENCH_V2013_MODE=latency): p50/p95 of each, beside the
# harvester page of bench_api (its query, 100 rows, random offsets up to the last LMO).
BROAD = {
    **QUERIES,
    "term_exact_traits": [("q", "lmoTraits_ss:dnaSequenceTraits.glyphosate")],
    "title_word": [("q", "title_t:maize"), ("fq", "schema_s:modifiedOrganism")],
    "term_exact_broader": [("q", "lmoTraits_ss:dnaSequenceTraits.herbicides")],
    "title_prefix": [("q", "title_t:mai*")],
    "title_phrase": [("q", 'title_t:"herbicide tolerant"')],
    "title_phrase3": [("q", 'title_t:"herbicide tolerant maize"')],
    "title_phrase4": [("q", 'title_t:"resistant herbicide tolerant maize"')],
    # a quarter of the titles holding its pairs hold "tolerant" twice: those are checked
    "title_phrase3_twice": [("q", 'title_t:"herbicide tolerant insect"')],
    "facets_lmo": [
        ("q", "*:*"),
        ("fq", "schema_s:modifiedOrganism"),
        ("facet", "true"),
        ("facet.field", "government_s"),
        ("facet.field", "lmoTraits_REL_ss"),
        ("facet.mincount", "1"),
    ],
}


def _timed(
    client: httpx.Client, urls: list[str], timeout: float, cpu: list[float] | None = None
) -> list[float] | str:
    """Wall seconds of each request; `cpu` (when given) gets the server's CPU seconds of each
    (psutil: user + system of the server process, read before and after the request)."""
    out = []
    for u in urls:
        before = _cpu() if cpu is not None else 0.0
        began = time.perf_counter()
        try:
            r = client.get(u, timeout=timeout)
        except httpx.TimeoutException:
            return f"timeout > {timeout:.0f} s"
        out.append(time.perf_counter() - began)
        if cpu is not None:
            cpu.append(_cpu() - before)
        if r.status_code != 200:
            raise RuntimeError(f"{u} -> {r.status_code}: {r.text[:300]}")
    return out


SERVER: list[psutil.Process] = []  # the server measured (its CPU time per request)


def _cpu() -> float:
    if not SERVER:
        return 0.0
    t = SERVER[0].cpu_times()
    return t.user + t.system


def measure_latencies(client: httpx.Client, base: str, timeout: float) -> dict[str, object]:
    """p50/p95 of the harvester page (40 random offsets, after 5 of them as a warm-up: the
    first page after a change walks the order, see bch.storage.search.positions; its time is
    reported apart) and of each broad query at 10 random offsets within its hits."""
    rnd = random.Random(5)
    out: dict[str, object] = {"load_average": [round(x, 1) for x in os.getloadavg()]}
    only = [n for n in os.environ.get("BENCH_V2013_ONLY", "").split(",") if n]
    if not only or "harvest" in only:  # BENCH_V2013_ONLY: the named ones only ("harvest")
        probe = client.get(base + v2013_url(_LMOS, 0, 0), timeout=timeout)
        lmos = probe.json()["response"]["numFound"]
        pages = [base + u for u in _harvester_pages(lmos, n=45)]
        first = _timed(client, pages[:1], timeout)
        out["harvest_first_page_ms"] = first if isinstance(first, str) else round(first[0] * 1000)
        _timed(client, pages[1:5], timeout)
        lat = _timed(client, pages[5:], timeout)
        out["harvest_page_p50_p95_ms"] = (
            lat if isinstance(lat, str) else f"{_pct(lat, 0.5):.1f} / {_pct(lat, 0.95):.1f}"
        )
        print("harvest", out, flush=True)
    for name, params in BROAD.items():
        if only and name not in only:
            continue
        head_cpu: list[float] = []
        head = _timed(client, [base + v2013_url(params, 0, 0)], timeout, head_cpu)
        if isinstance(head, str):
            out[name] = head
            continue
        found = client.get(base + v2013_url(params, 0, 0)).json()["response"]["numFound"]
        urls = [base + v2013_url(params, rnd.randrange(max(1, found - 20))) for _ in range(10)]
        cpu: list[float] = []
        lat = _timed(client, urls, timeout, cpu)
        out[name] = (
            lat
            if isinstance(lat, str)
            else f"{_pct(lat, 0.5):.1f} / {_pct(lat, 0.95):.1f} ms, server CPU "
            f"{sum(cpu) / len(cpu) * 1000:.1f} ms/request (numFound {found:,}, load "
            f"{os.getloadavg()[0]:.1f}); first request (numFound only) {head[0] * 1000:.0f} ms, "
            f"CPU {head_cpu[0] * 1000:.0f} ms"
        )
        print(name, out[name], flush=True)
    return out


_LMOS = [("q", "*:*"), ("fq", "schema_s:modifiedOrganism"), ("fq", "realm_ss:bch")]


def synthetic_lmos(svc: Services, rnd: random.Random, n: int) -> list[str]:
    """`n` identifiers of live synthetic LMOs drawn at random (the records a benchmark changes)."""
    with svc.store.reading() as conn:
        stmt = select(documents.c.identifier).where(
            documents.c.identifier.like("synthetic-%"),
            documents.c.schema == "modifiedOrganism",
            documents.c.deleted_at.is_(None),
        )
        return rnd.sample(list(conn.execute(stmt).scalars()), n)


def measure_after_changes(
    client: httpx.Client, base: str, timeout: float, path: Path
) -> dict[str, object]:
    """The harvester page at a random offset right after each of BENCH_V2013_CHANGES changes
    (alternately a new revision and a deletion of a synthetic LMO: its note says which
    benchmark revision it is), and the next page (the same state) for comparison: wall p50 and
    the server's CPU per request. The first page after a change either walks every hit again or
    updates the kept order (bch.storage.search.position_changes)."""
    rounds = int(os.environ.get("BENCH_V2013_CHANGES", "10"))
    rnd = random.Random(13)
    lmos = client.get(base + v2013_url(_LMOS, 0, 0)).json()["response"]["numFound"]
    svc = Services.open(f"sqlite:///{path}")
    try:
        idents = synthetic_lmos(svc, rnd, rounds)
        firsts, nexts, first_cpu, next_cpu = [], [], [], []
        named = [n for n in os.environ.get("BENCH_V2013_AFTER", "").split(",") if n]
        broad: dict[str, tuple[list[float], list[float]]] = {n: ([], []) for n in named}
        for n, ident in enumerate(idents):
            if n % 2:
                svc.records.delete(ident, reason="benchmark deletion", by="bench:synthetic")
            else:
                body = svc.records.get(ident, with_links=False).document
                note = f"{NOTE.format(uid=ident)} Benchmark revision {n}."
                body["relevantInformation"] = {"en": note}
                svc.records.publish(body, by="bench:synthetic", strict=False)
            pages = [base + u for u in _harvester_pages(lmos, n=2 + n)[-2:]]
            took = _timed(client, pages[:1], timeout, first_cpu)
            again = _timed(client, pages[1:], timeout, next_cpu)
            if isinstance(took, str) or isinstance(again, str):
                return {"harvest_after_change": took if isinstance(took, str) else again}
            firsts += took
            nexts += again
            for name, (walls, cpus) in broad.items():
                wall = _timed(client, [base + v2013_url(BROAD[name], 0, 0)], timeout, cpus)
                if isinstance(wall, str):
                    return {f"{name}_after_change": wall}
                walls += wall
    finally:
        svc.close()
    ms = 1000
    after = {
        f"{name}_first_request_after_a_change": f"{_pct(walls, 0.5):.0f} / "
        f"{_pct(walls, 0.95):.0f} ms, server CPU {sum(cpus) / len(cpus) * ms:.0f} ms/request"
        for name, (walls, cpus) in broad.items()
    }
    return {
        **after,
        "harvest_first_page_after_a_change": f"{_pct(firsts, 0.5):.1f} / "
        f"{_pct(firsts, 0.95):.1f} ms, server CPU "
        f"{sum(first_cpu) / len(first_cpu) * ms:.0f} ms/request ({rounds} changes)",
        "harvest_next_page": f"{_pct(nexts, 0.5):.1f} / {_pct(nexts, 0.95):.1f} ms, "
        f"server CPU {sum(next_cpu) / len(next_cpu) * ms:.0f} ms/request",
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
    }


def measure_memory(client: httpx.Client, base: str, timeout: float) -> dict[str, object]:
    """BENCH_V2013_MODE=memory: the server's RSS and peak RSS (VmHWM) after the first request of
    each broad query in turn (the one that walks or evaluates its hits): what one anonymous
    query can make the server hold."""
    proc = SERVER[0]
    out: dict[str, object] = {"rss_mb_index_ready": round(proc.memory_info().rss / 2**20)}
    for name, params in BROAD.items():
        began = time.perf_counter()
        client.get(base + v2013_url(params, 0), timeout=timeout).raise_for_status()
        seconds = time.perf_counter() - began
        status = Path(f"/proc/{proc.pid}/status").read_text().splitlines()
        peak = next(int(x.split()[1]) // 1024 for x in status if x.startswith("VmHWM:"))
        rss = round(proc.memory_info().rss / 2**20)
        out[name] = f"first request {seconds:.1f} s, RSS {rss} MB, peak {peak} MB"
        print(name, out[name], flush=True)
    return out


def main() -> None:
    total = int(os.environ.get("BENCH_RECORDS", "1000000"))
    timeout = float(os.environ.get("BENCH_V2013_TIMEOUT", "900"))
    keep = os.environ.get("BENCH_DIR")
    root = Path(keep or tempfile.mkdtemp(prefix="bch-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    path = root / "bench.db"
    figures: dict[str, object] = {}
    if not path.exists():
        svc, load = build(path, total)
        svc.close()
        figures["load_s"] = round(load, 1)
    else:  # migrations of this code (the benchmark server does not migrate)
        began = time.perf_counter()
        Services.open(f"sqlite:///{path}").close()
        figures["migrate_s"] = round(time.perf_counter() - began, 1)
    figures["db_mb"] = round(path.stat().st_size / 2**20)
    latency = os.environ.get("BENCH_V2013_MODE") == "latency"
    server = bch_server(path)
    SERVER[:] = [psutil.Process(server.proc.pid)]
    try:
        with httpx.Client(timeout=timeout) as c:
            figures["search_index_build_s"] = wait_for_index(c, server)
            if os.environ.get("BENCH_V2013_MODE") == "memory":
                figures.update(measure_memory(c, server.url(""), timeout))
            elif latency:
                figures.update(measure_latencies(c, server.url(""), timeout))
                figures.update(measure_after_changes(c, server.url(""), timeout, path))
            else:
                figures.update(measure_pages(c, server.url(""), timeout))
        figures["server_peak_rss_mb"] = round(server.peak_rss_mb())
    finally:
        server.stop()
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
