"""Crash safety (issue 15 item 6): a real `bch serve` is killed with SIGKILL at a random moment
while clients publish through the API, again and again, on SQLite and PostgreSQL. After each
kill, with the server dead:

* every acknowledged write (a 201 answer to a publish) is in the database, with its revision;
* no half-written record: each revision has exactly one change entry and each change names an
  existing revision; each document's latest revision exists;
* the change sequence is 1..N with no gap and no duplicate;
* the search index agrees with the database: the bitmap index built from the rows and the SQL
  search over the derived rows both find every live record, and nothing else.

Bounded in `make test` (CRASH_ROUNDS, default 2 rounds: the second server starts on the
database the first kill left); `make crash` runs 25."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bch.services.container import Services
from bch.services.search import SearchQuery
from bch.storage.tables import changes, documents, revisions
from tests import factories
from tests.accounts.helpers import PASSWORD, add_user
from tests.waiting import until, until_serving

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BCH = str(Path(sys.executable).with_name("bch"))
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "2"))
EMAIL = "secretariat@example.org"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str, tmp_path: Path, *, wait: bool = True) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "BCH_RATE_LIMIT": "off",
        "BCH_RATE_WRITE": "100000/1",
        "BCH_RATE_LOGIN": "100000/1",
        "BCH_ATTACHMENTS_DIR": str(tmp_path / "files"),
    }
    proc = subprocess.Popen(
        [BCH, "serve", "--port", str(port), "--database", url, "--empty"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    if wait:
        until_serving(base, proc)
    return proc, base


def _writer(base: str, token: str, acked: list, stop: threading.Event, rng: random.Random):
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=auth, timeout=30) as client:
        mine: list[dict] = []
        while not stop.is_set():
            if mine and rng.random() < 0.3:  # a new revision of a record published before
                doc = rng.choice(mine)
                doc["scientificName"] = f"{doc['scientificName'].split(' #')[0]} #{rng.random()}"
            else:
                doc = factories.organism(rng.choice(["Zea mays", "Glycine max", "Oryza sativa"]))
            ident = doc["header"]["identifier"]
            try:
                r = client.put(f"/api/v1/drafts/{ident}", json=doc)
                if r.status_code not in (200, 201):
                    continue
                r = client.post(f"/api/v1/drafts/{ident}/publish", json={})
            except httpx.HTTPError:
                return  # the server died
            if r.status_code == 201:
                body = r.json()
                acked.append((ident, body["revision"]))
                if doc not in mine:
                    mine.append(doc)


def _check(url: str, acked: list[tuple[str, int]]) -> int:
    svc = Services.open(url, upgrade=False)
    try:
        with svc.engine.connect() as conn:
            docs = {r.identifier: r for r in conn.execute(select(documents)).all()}
            revs = set(conn.execute(select(revisions.c.document_id, revisions.c.revision)).all())
            ch = conn.execute(
                select(changes.c.seq, changes.c.document_id, changes.c.revision)
            ).all()
        by_id = {d.id: d for d in docs.values()}
        for ident, revision in acked:  # every acknowledged write is there
            assert ident in docs, f"acknowledged {ident} lost"
            assert (docs[ident].id, revision) in revs, f"acknowledged {ident} r{revision} lost"
        seqs = sorted(c.seq for c in ch)
        assert seqs == list(range(1, len(seqs) + 1)), "gap or duplicate in the change sequence"
        named = [(c.document_id, c.revision) for c in ch]
        assert len(named) == len(set(named)) and set(named) == revs, "half-written revision"
        for d in by_id.values():
            assert (d.id, d.latest_revision) in revs, f"{d.identifier}: latest revision missing"
        # per record type: the publish tests write organisms only, an import every type (a kill
        # that lands after the import committed leaves all of them)
        live = Counter(d.schema for d in docs.values() if d.deleted_at is None)
        sql = svc.configured(BCH_SEARCH_INDEX="off")
        for schema in sorted(live) or ["organism"]:
            query = SearchQuery(filters={"schema": [schema]}, include_total=True, limit=1)
            # the bitmap index, built from the rows; then the derived rows of each publish
            assert svc.search.search(query).total == live[schema], schema
            assert sql.search.search(query).total == live[schema], schema
        return len(seqs)
    finally:
        svc.close()


def test_kill_9_during_publishes_loses_no_acknowledged_write(database, tmp_path):
    rng = random.Random(int(os.environ.get("CRASH_SEED", "15")))
    svc = Services.open(database)
    add_user(svc, EMAIL, "secretariat", password=PASSWORD)
    svc.close()
    acked: list[tuple[str, int]] = []
    total = 0
    for _round in range(ROUNDS):
        proc, base = _serve(database, tmp_path)
        token = httpx.post(
            f"{base}/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD}, timeout=30
        ).json()["token"]
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=_writer, args=(base, token, acked, stop, random.Random(rng.random()))
            )
            for _ in range(3)
        ]
        before = len(acked)
        for t in threads:
            t.start()
        # killed during publishes: once one is acknowledged (a loaded machine may take seconds
        # before the first; a kill before it proves nothing), then at a random moment
        until(
            lambda n=before: len(acked) > n,
            "a publish acknowledged",
            alive=lambda p=proc: p.poll() is None,
        )
        time.sleep(rng.uniform(0.0, 2.0))
        proc.kill()  # SIGKILL: no shutdown, no flush
        proc.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        total = _check(database, acked)
    assert acked, "no write was acknowledged: the test proved nothing"
    assert total >= len(acked)
