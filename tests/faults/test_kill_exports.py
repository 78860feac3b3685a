"""Crash safety of exports and index builds (issue 15 item 6): a real `bch serve` is killed with
SIGKILL on SQLite and PostgreSQL, at an observed phase plus a seeded amount of its CPU
(tests/faults/kill_points.py),

* while it warms: once it printed that its start-up warming began (its search index is then
  built from the rows and saved as a snapshot, in a thread), before it printed the warming's end
  (seen with the server stopped; tried again with less CPU if the kill came after it), and
* while clients download the dumps (`/api/v1/export/organism.ndjson` and `.ndjson.gz`,
  streamed): once two dumps came whole.

A download the client received as complete is whole: it parses, its `_meta.records` is the
number of records in it and every line is a record; a download cut by the kill is seen by the
client as broken (an incomplete chunked body, a truncated gzip stream), never as a shorter
file. After each kill the database keeps its invariants (tests/faults/invariants.py), and
the restarted server's index (loaded from the snapshot or rebuilt) finds exactly the live
records of the database. Bounded in `make test-slow` (CRASH_ROUNDS, default 1: each kill once, and
the servers after each kill start on the database it left: three starts per backend, more when a kill came after the warming, instead of
seven with 3 rounds); `make crash` runs 25."""

from __future__ import annotations

import gzip
import json
import threading
import zlib

import httpx
import pytest

from bch.importer.run import IMPORT_USER
from bch.services.container import Services
from tests import factories
from tests.faults.invariants import check
from tests.faults.kill_points import kill_at, rounds
from tests.faults.test_kill_serve import serve
from tests.waiting import until, until_serving

pytestmark = pytest.mark.slow
RECORDS = 400
DUMPS = ("organism.ndjson", "organism.ndjson.gz")
# the lines `bch serve` logs at its warming's start and end (bch.cli.warm)
WARM_STARTED, WARM_ENDED = "warm: started", "warm: snapshots, resolver and templates ready"
WARM_TRIES = 4  # the last one kills as soon as the start is seen


def _whole(name: str, body: bytes) -> int:
    """The number of records of a dump received as complete; fails if it is not whole."""
    if name.endswith(".gz"):
        body = gzip.decompress(body)  # a truncated stream raises EOFError / BadGzipFile
    assert body.endswith(b"\n"), f"{name}: the last line is cut"
    lines = body.split(b"\n")[:-1]
    meta = json.loads(lines[0])["_meta"]
    records = [json.loads(line) for line in lines[1:]]
    assert meta["records"] == len(records), f"{name}: {len(records)} of {meta['records']}"
    assert all(r.get("document") for r in records), f"{name}: a record without its document"
    return len(records)


def _downloader(base: str, name: str, outcomes: list, stop: threading.Event, mid: list) -> None:
    """Download the dump `name` again and again; `mid[0]` is true while a body is arriving."""
    identity = {"Accept-Encoding": "identity"}  # the bytes as sent: a cut shows
    with httpx.Client(base_url=base, timeout=30, headers=identity) as client:
        while not stop.is_set():
            try:
                with client.stream("GET", f"/api/v1/export/{name}") as r:
                    if r.status_code != 200:  # checked by the test, not in this thread
                        outcomes.append((name, f"status {r.status_code}"))
                        return
                    chunks = []
                    for chunk in r.iter_raw():
                        mid[0] = True
                        chunks.append(chunk)
                    mid[0] = False
                    body = b"".join(chunks)
            except httpx.HTTPError:
                outcomes.append((name, "cut"))  # the client knows it has no whole file
                return
            outcomes.append((name, body))


def _served_total(base: str) -> int:
    r = httpx.get(
        f"{base}/api/v1/records",
        params={"schema": "organism", "limit": 1, "total": "true"},
        timeout=30,
    )
    assert r.status_code == 200, r.text[:300]
    return r.json()["total"]


def _seed(database: str) -> int:
    svc = Services.open(database)
    try:
        names = ["Zea mays", "Glycine max", "Oryza sativa", "Solanum tuberosum"]
        with svc.records.batch(by=IMPORT_USER) as batch:
            for i in range(RECORDS):
                batch.publish(factories.organism(names[i % len(names)]), strict=False)
    finally:
        svc.close()
    return RECORDS


def test_kill_9_during_index_builds_and_exports(database, tmp_path):
    live = _seed(database)
    whole = cut = 0
    for rng in rounds("exports", 1):
        # 1. killed while it warms (the index built from the rows or its snapshot saved, the
        # snapshots, the resolver): once it printed that its warming started, then a seeded
        # amount of its CPU. A kill that finds the warming over (its end printed, seen with the
        # server stopped) is made again on a new server with less CPU, down to none: the round
        # always ends with a kill that landed before the warming's end
        share = rng.uniform(0.0, 0.3)  # its warming: ~0.2-0.4 s of the server's CPU here
        for attempt in range(WARM_TRIES):
            victim, base = serve(database, tmp_path, warm=True)
            with victim:
                kill = kill_at(
                    victim,
                    lambda v=victim: v.printed(WARM_STARTED),
                    "the server's warming started",
                    share,
                    lambda v=victim: not v.printed(WARM_ENDED),
                )
            assert kill.exited is None, victim.lines[-20:]
            print(f"  warming: {kill} (inside: before its warming ended), {share:.3f} s of CPU")
            check(database, [])
            if kill.inside:
                break
            share = share / 4 if attempt < WARM_TRIES - 2 else 0.0
        assert kill.inside, "every kill came after the warming's end"
        # 2. killed while dumps stream to clients
        victim, base = serve(database, tmp_path, warm=True)
        outcomes: list = []
        stop = threading.Event()
        mids = [[False] for _ in DUMPS]  # one client per dump: its body cut or whole
        threads = [
            threading.Thread(target=_downloader, args=(base, DUMPS[i % 2], outcomes, stop, mids[i]))
            for i in range(len(DUMPS))
        ]
        try:  # a failed assertion must not leave the server running
            until_serving(base, victim.proc)
            assert _served_total(base) == live  # the index it loaded or built agrees
            for t in threads:
                t.start()
            # a seeded number of dumps whole first (`make test-slow` runs one round: it must see
            # one), then while a body is on its way (most seeds; the dumps are served from a
            # file written once, with little of the server's CPU: it is not what is counted)
            kill = kill_at(
                victim,
                lambda got=outcomes, n=rng.randint(1, 2): len(got) >= n,
                "dumps downloaded",
                0.0,
                lambda m=mids: any(flag[0] for flag in m),
                tries=200 if rng.random() < 0.8 else 1,
            )
        finally:
            if victim.alive():
                victim.kill()
            stop.set()
        assert kill.exited is None, victim.lines[-20:]
        for t in threads:
            if t.is_alive():
                t.join(timeout=60)
        for name, body in outcomes:
            assert not isinstance(body, str) or body == "cut", (name, body)
            if body == "cut":
                cut += 1
            else:
                assert _whole(name, body) == live
                whole += 1
        check(database, [])
        print(f"  downloads: {kill}")
    # after the last kill: a restarted server serves whole dumps and an index that agrees
    victim, base = serve(database, tmp_path, warm=True)
    try:
        until_serving(base, victim.proc)
        assert _served_total(base) == live
        # these servers warm at their start (BCH_WARM=on), what the first kills interrupt
        until(lambda: victim.printed(WARM_ENDED), "the server's warming ended")
        assert httpx.get(f"{base}/healthz", timeout=30).json()["warm"] == "ready"
        for name in DUMPS:
            r = httpx.get(
                f"{base}/api/v1/export/{name}", timeout=60, headers={"Accept-Encoding": "identity"}
            )
            assert r.status_code == 200 and _whole(name, r.content) == live
    finally:
        victim.kill()
    assert whole, "no dump was downloaded whole: the test proved nothing"
    print(f"dumps whole: {whole}, cut by the kill: {cut}")  # seen with -s


def test_a_cut_gzip_dump_is_never_taken_for_a_whole_one():
    """What the client relies on: the dumps' formats show a cut (the test above needs it)."""
    body = gzip.compress(b'{"_meta": {"records": 1}}\n{"document": {"a": 1}}\n')
    for cut in (len(body) // 2, len(body) - 4):
        with pytest.raises((EOFError, gzip.BadGzipFile, zlib.error)):
            gzip.decompress(body[:cut])
    with pytest.raises(AssertionError):
        _whole("organism.ndjson", b'{"_meta": {"records": 2}}\n{"document": {"a": 1}}\n')
