"""Fault tests of national nodes (issue 12) with real `bch serve` processes on loopback: a central
(SQLite, the shipped real data) and two nodes, A on SQLite and B on PostgreSQL. B reaches the
central through a proxy that truncates or garbles every third change feed page and has no event
stream (B polls). Both nodes' clocks are wrong (libfaketime: A 3 hours behind, B a day ahead):
the sync compares change sequences, never clocks. Node A is killed with SIGKILL at random points
of its bootstrap, of feed application and of pushes; the central is stopped for a while, with
national records queued and changes made meanwhile. Afterwards all three converge: the same
records at the same revisions (tombstones included), no duplicate, no loss, and every national
record the nodes submitted (each acknowledged by the central) is on the central exactly once.

Bounded: BCH_TEST_NODE_FAULTS rounds of each fault (1 in `make test`: each fault once, seven
`bch serve` starts instead of ten with 2 rounds; 10 with `make node-faults`), and in `make test` the nodes mirror four record types (the ~430 shipped
organisms, authorities, organizations and decisions: bootstrapping all 1,650 records, mostly
LMOs, takes minutes on the loaded 2-core machine; BCH_TEST_NODE_FAULTS_ALL=1, which `make
node-faults` sets, mirrors everything); BCH_TEST_SEED replays a run's random points (the seed
is printed); each wait is guarded (tests/waiting.py), never timed."""

from __future__ import annotations

import os
import random
import shutil
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest
from sqlalchemy import func, select

from bch.services.container import Services
from bch.storage.tables import documents, revisions
from tests import factories
from tests.nodes.harness import FaultyProxy, Served, count_records, skewed_clock, state
from tests.postgres import throwaway_database
from tests.waiting import until

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(3600)]

ROUNDS = int(os.environ.get("BCH_TEST_NODE_FAULTS", "1"))
NAMES = ["Zea mays", "Glycine max", "Brassica napus", "Solanum tuberosum", "Oryza sativa"]
OFFICER = "officer@ca.example"
SCHEMAS = (
    None
    if os.environ.get("BCH_TEST_NODE_FAULTS_ALL")
    else ["authority", "biosafetyDecision", "organism", "organization"]
)


def _publish_some(central: Services, rng: random.Random, n: int) -> None:
    """New organisms, new revisions and deletions of the central's records (some of them
    revised or published and then deleted before a node reads them)."""
    ids = [d.identifier for d in central.records.list(schema="organism", limit=200).items]
    for i in range(n):
        roll = rng.random()
        if roll < 0.5 or not ids:
            doc = factories.organism(NAMES[i % len(NAMES)])
            central.records.publish(doc, by="fault-test")
            ids.append(doc["header"]["identifier"])
        elif roll < 0.85:
            pick = rng.choice(ids)
            doc = central.records.get(pick).document
            doc = {**doc, "commonNames": {"en": f"revised {rng.randrange(10**6)}"}}
            central.records.publish(doc, by="fault-test", strict=False)
        else:
            pick = ids.pop(rng.randrange(len(ids)))
            central.records.delete(pick, reason="fault test deletion", by="fault-test")


def _authorities(central: Services) -> set[str]:
    with central.engine.connect() as conn:
        rows = conn.execute(
            select(documents.c.identifier).where(
                documents.c.schema == "authority", documents.c.owner == "CA"
            )
        )
        return {r[0] for r in rows}


def _attempts(node: Services, item_id: int) -> int:
    return next(i.attempts for i in node.node.outbox() if i.id == item_id)


def _unreachable(node: Services) -> bool:
    """The node's last error says the central cannot be reached (A: refused; B: its proxy's
    502), not an earlier garbled page."""
    error = node.node.status()["lastError"] or ""
    return "refused" in error or "HTTP 502" in error


def _skew(served: Served) -> float:
    """How far ahead of this process's clock the served process's clock is (its Date header)."""
    said = parsedate_to_datetime(httpx.get(f"{served.base}/healthz", timeout=60).headers["date"])
    return (said - datetime.now(UTC)).total_seconds()


def test_nodes_converge_after_kills_outages_bad_pages_and_wrong_clocks(
    tmp_path, shipped_templates, postgres_url
):
    seed = int(os.environ.get("BCH_TEST_SEED") or random.randrange(10**9))
    print(f"BCH_TEST_SEED={seed} BCH_TEST_NODE_FAULTS={ROUNDS}")
    rng = random.Random(seed)
    began = time.monotonic()

    def phase(name: str) -> None:  # seen with -s (make node-faults): where the minutes go
        print(f"{time.monotonic() - began:7.1f} s  {name}", flush=True)

    central_db = tmp_path / "central.db"
    shutil.copyfile(shipped_templates.sqlite(), central_db)
    central_url = f"sqlite:///{central_db}"
    central = Services.open(central_url)
    user = central.accounts.add_user(
        "nfp@ca.example", role="nfp", country="CA", password="correct horse battery staple"
    )
    token = central.accounts.issue_token(user, name="node", days=30).token
    authorities_before = _authorities(central)
    c = Served(central_url, tmp_path / "central.log")
    c.start()
    phase("central serving")
    proxy = FaultyProxy(c.base)
    a_url = f"sqlite:///{tmp_path / 'node-a.db'}"
    node_a = Services.open(a_url)
    node_a.node.configure(c.base, "CA", token=token, schemas=SCHEMAS)
    submitted: list[str] = []

    def submit(node: Services) -> int:
        doc = factories.authority("CA")
        submitted.append(doc["header"]["identifier"])
        return node.node.submit(doc, author=OFFICER).id

    with throwaway_database("node_b") as b_url:
        node_b = Services.open(b_url)
        node_b.node.configure(proxy.url, "CA", token=token, schemas=SCHEMAS)
        a = Served(a_url, tmp_path / "node-a.log", **skewed_clock("-3h"))
        b = Served(b_url, tmp_path / "node-b.log", **skewed_clock("+1d"))
        try:
            b.start()
            phase("B serving")
            assert _skew(b) > 12 * 3600  # the fault is real: B's clock is a day ahead
            # 1. kill -9 node A at random points of its bootstrap (after 0 to all records)
            total = count_records(central, SCHEMAS)
            for _ in range(ROUNDS):
                a.start()
                target = rng.randrange(total)
                until(
                    lambda t=target: (
                        count_records(node_a) >= t or node_a.node.state().phase != "bootstrap"
                    ),
                    "node A's bootstrap progressing",
                    alive=a.alive,
                    interval=0.05,
                )
                a.kill()
            phase("A bootstrap kills done")
            a.start()
            assert _skew(a) < -3600  # A's clock is 3 hours behind
            # 2. during feed application: changes on the central, node A killed meanwhile
            for _ in range(ROUNDS):
                until(
                    lambda: node_a.node.state().phase == "following",
                    "node A following the feed",
                    alive=a.alive,
                )
                _publish_some(central, rng, 25)
                time.sleep(rng.uniform(0.0, 1.5))  # a random moment of its application
                a.restart()
            phase("feed-application kills done")
            # 3. during pushes: national records submitted on both nodes, A killed as it sends
            for _ in range(ROUNDS):
                item = submit(node_a)
                submit(node_b)
                until(
                    lambda i=item: _attempts(node_a, i) > 0,
                    "node A sending its record",
                    alive=a.alive,
                    interval=0.05,
                )
                time.sleep(rng.choice([0.0, rng.uniform(0.0, 1.0)]))  # at once, or a bit later
                a.restart()
            phase("push kills done")
            # 4. the central stopped for a while: nodes keep serving and queue their pushes
            c.stop()
            submit(node_a)
            submit(node_b)
            served = httpx.get(f"{a.base}/api/v1/records?limit=1", timeout=120)
            assert served.status_code == 200  # the node keeps serving its copy
            for node in (node_a, node_b):
                until(lambda n=node: _unreachable(n), "a node noticing the outage")
            _publish_some(central, rng, 10)  # written to the central's database meanwhile
            c.start()
            phase("central restarted")

            def converged() -> bool:
                want = state(central, SCHEMAS)
                return (
                    state(node_a) == want
                    and state(node_b) == want
                    and node_a.node.status()["pendingPushes"] == 0
                    and node_b.node.status()["pendingPushes"] == 0
                )

            until(converged, "the nodes converging", alive=lambda: a.alive() and b.alive())
        finally:
            for s in (a, b, c):
                s.stop()
            proxy.close()
        phase("converged")
        # every national record submitted is on the central once, with one revision, and
        # nothing else was made: no duplicate, no loss
        assert _authorities(central) - authorities_before == set(submitted)
        with central.engine.connect() as conn:
            for identifier in submitted:
                n = conn.execute(
                    select(func.count())
                    .select_from(revisions.join(documents))
                    .where(documents.c.identifier == identifier)
                ).scalar_one()
                assert n == 1, identifier
        # each one acknowledged by the central (its answer kept), settled by the feed
        for node in (node_a, node_b):
            items = node.node.outbox()
            assert {i.status for i in items} == {"done"}
            assert all(i.result and i.result.get("revision") == 1 for i in items)
            assert node.node.status()["lastError"] is None
        assert len(node_a.node.outbox()) + len(node_b.node.outbox()) == len(submitted)
        assert proxy.mangled >= 1  # node B really met bad pages
        print(f"node A started {a.starts} times; {proxy.mangled} feed pages garbled")
        node_a.close()
        node_b.close()
    central.close()
