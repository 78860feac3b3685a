"""Crash safety (issue 15 item 6): a real `bch serve` is killed with SIGKILL while clients
publish through the API, on SQLite and PostgreSQL: once a publish of the round is acknowledged
and the server has then used a seeded amount of CPU, most rounds (seeded) inside a write
transaction (seen with the server stopped an instant before the kill: tests/faults/kill_points.py).
At every look before that kill the test also looks for a revision without its change entry (or
the reverse) as another reader sees it: never seen when both are one transaction; when they are
not, the server is between the two and is killed right there (kill_at's `between` phase), so
that defect fails the first round, not one round in several.
After each kill, with the server's processes gone, the database keeps the invariants of
tests/faults/invariants.py: every acknowledged write (a 201 answer to a publish) there with the
body sent, no half-written record or revision, a change sequence with no gap or duplicate, a
search index that agrees with the database.

Bounded in `make test-slow` (CRASH_ROUNDS, default 2 rounds: the second server starts on the
database the first kill left); `make crash` runs 25."""

from __future__ import annotations

import os
import random
import socket
import sys
import threading
from pathlib import Path

import httpx
import pytest

from bch.services.container import Services
from tests import factories
from tests.accounts.helpers import PASSWORD, add_user
from tests.faults.invariants import Acked, check, half_committed
from tests.faults.kill_points import Victim, kill_at, rounds, writing
from tests.waiting import until_serving

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BCH = str(Path(sys.executable).with_name("bch"))
EMAIL = "secretariat@example.org"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, tmp_path: Path, *, warm: bool = False) -> tuple[Victim, str]:
    """A `bch serve` on `url` (one worker: tests/conftest.py), started; not waited for. It
    warms at its start (search index, snapshots) only when asked (`warm`)."""
    port = _free_port()
    env = {
        **os.environ,
        "BCH_RATE_LIMIT": "off",
        "BCH_RATE_WRITE": "100000/1",
        "BCH_RATE_LOGIN": "100000/1",
        "BCH_ATTACHMENTS_DIR": str(tmp_path / "files"),
        "BCH_SEARCH_INDEX_DIR": str(tmp_path / "index"),  # PostgreSQL's index snapshot
        "BCH_WARM": "on" if warm else "off",
    }
    cmd = [BCH, "serve", "--port", str(port), "--database", url, "--empty"]
    return Victim(cmd, cwd=ROOT, env=env), f"http://127.0.0.1:{port}"


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
            ident, name = doc["header"]["identifier"], doc["scientificName"]
            try:
                r = client.put(f"/api/v1/drafts/{ident}", json=doc)
                if r.status_code not in (200, 201):
                    continue
                r = client.post(f"/api/v1/drafts/{ident}/publish", json={})
            except httpx.HTTPError:
                return  # the server died
            if r.status_code == 201:
                acked.append((ident, r.json()["revision"], name))
                if doc not in mine:
                    mine.append(doc)


def test_kill_9_during_publishes_loses_no_acknowledged_write(database, tmp_path):
    svc = Services.open(database)
    add_user(svc, EMAIL, "secretariat", password=PASSWORD)
    svc.close()
    acked: list[Acked] = []
    inside = 0
    with writing(database) as in_write, half_committed(database) as torn:
        for rng in rounds("publishes", 2):
            victim, base = serve(database, tmp_path)
            stop = threading.Event()
            threads: list[threading.Thread] = []
            try:
                until_serving(base, victim.proc)
                token = httpx.post(
                    f"{base}/api/v1/auth/token",
                    json={"email": EMAIL, "password": PASSWORD},
                    timeout=30,
                ).json()["token"]
                for seed in [rng.random() for _ in range(3)]:
                    threads.append(
                        threading.Thread(
                            target=_writer, args=(base, token, acked, stop, random.Random(seed))
                        )
                    )
                before = len(acked)
                for t in threads:
                    t.start()
                # once a publish of the round is acknowledged (before it, a kill proves little),
                # then a seeded amount of the server's CPU; inside a write for most seeds
                kill = kill_at(
                    victim,
                    lambda n=before: len(acked) > n,
                    "a publish acknowledged",
                    rng.uniform(0.0, 0.8),
                    in_write,
                    tries=200 if rng.random() < 0.75 else 1,
                    # a revision committed before its change entry (or the reverse) is seen
                    # from outside while the server is between the two: killed right there
                    between=torn,
                )
            finally:
                if victim.alive():  # a failed wait: no server left running
                    victim.kill()
                stop.set()
            for t in threads:
                t.join(timeout=60)
            assert kill.exited is None, "the server ended by itself"
            inside += kill.inside
            total = check(database, acked)
            print(f"  killed at {kill.cpu:.2f} s of CPU, inside a write: {kill.inside}")
            assert not kill.between, "a revision and its change entry committed apart"
    assert acked, "no write was acknowledged: the test proved nothing"
    assert total >= len(acked)
    print(f"acknowledged {len(acked)}, change sequence {total}, kills inside a write: {inside}")
