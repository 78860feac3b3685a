"""Fault tests of national nodes (issue 12) with real `bch serve` processes on loopback: a central
(SQLite, the shipped real data: the sample of tests/shipped_sample.py, every record type; all of
it under BCH_TEST_FULL=1) and two nodes mirroring everything, A on SQLite and B on PostgreSQL.
Each node reaches the central through a proxy (tests/nodes/harness.py) without event stream (the
nodes poll); B's truncates or garbles every third change feed page. Both nodes' clocks are wrong
(libfaketime: A 3 hours behind, B a day ahead): the sync compares change sequences, never clocks.

The nodes are killed with SIGKILL at OBSERVED moments, so that each kind of moment is met in
every run (guessed times missed the narrow windows in most runs: a cursor stored outside the
transaction of its changes was caught 1 run in 5, a new Idempotency-Key per retry 2 in 8):
- bootstrap: right after the proxy delivered a dump (which one: seeded), or while the central's
  answer is withheld, or after a seeded amount of CPU time (/proc/PID/stat);
- feed application: once the node's cursor is seen committed in its database (a cursor stored
  outside the transaction of the changes it covers loses them here; B, on PostgreSQL, is killed
  at this moment too), and at one other moment: right after a feed page or the n-th record
  body was delivered, or a seeded amount of CPU time after the page;
- pushes: while the central's answer to the publish is withheld (the central published it, the
  node does not know: the retry must carry the same Idempotency-Key), and at one other moment:
  right after the draft's or the publish's answer was delivered.
Then the central is stopped for a while, with national records queued and changes made
meanwhile. Afterwards all three agree: once both nodes' cursors reached the central's last
change and their outboxes are empty, they hold the same records at the same revisions
(tombstones included), no duplicate, no loss, and every national record the nodes submitted
(each acknowledged by the central) is on the central exactly once.

Bounded: BCH_TEST_NODE_FAULTS rounds of each fault (1 in `make test-slow`; 10 with `make
node-faults`); BCH_TEST_SEED replays a run's moments (the seed is printed); each wait is
guarded (tests/waiting.py), never timed."""

from __future__ import annotations

import os
import random
import resource
import shutil
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import pytest
from sqlalchemy import func, select

from bch.importer.run import import_shipped
from bch.services.container import Services
from bch.storage.tables import changes, documents, revisions
from tests import factories
from tests.nodes.harness import (
    FaultyProxy,
    Served,
    Trap,
    cpu_ticks,
    draft,
    dump,
    feed_page,
    publish,
    record_body,
    skewed_clock,
    state,
)
from tests.postgres import throwaway_database
from tests.shipped_sample import FULL, importing_sample
from tests.waiting import until

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(3600)]

ROUNDS = int(os.environ.get("BCH_TEST_NODE_FAULTS", "1"))
NAMES = ["Zea mays", "Glycine max", "Brassica napus", "Solanum tuberosum", "Oryza sativa"]
OFFICER = "officer@ca.example"
PENDING = ("pending", "published", "requested")  # not yet settled by the feed


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


def _last_change(central: Services) -> int:
    with central.engine.connect() as conn:
        return conn.execute(select(func.max(changes.c.seq))).scalar_one() or 0


def _unreachable(node: Services) -> bool:
    """The node's last error says the central cannot be reached (its proxy's 502), not an
    earlier garbled page."""
    error = node.node.status()["lastError"] or ""
    return "refused" in error or "HTTP 502" in error


def _skew(served: Served) -> float:
    """How far ahead of this process's clock the served process's clock is (its Date header)."""
    said = parsedate_to_datetime(httpx.get(f"{served.base}/healthz", timeout=60).headers["date"])
    return (said - datetime.now(UTC)).total_seconds()


def _written_skew(node: Services) -> float:
    """How far ahead the node's clock was when its sync last succeeded (the time it wrote)."""
    at = node.node.state().last_success_at
    assert at is not None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return (at - datetime.now(UTC)).total_seconds()


def _settled(node: Services, central: Services) -> bool:
    """The node has read the central's feed to its last change and has nothing left to send or
    to see come back: from here on it must hold exactly what the central holds."""
    s = node.node.state()
    if s is None or s.phase != "following" or s.cursor < _last_change(central):
        return False
    return not any(i.status in PENDING for i in node.node.outbox())


def _differences(mine: dict, want: dict) -> list[str]:
    keys = sorted(set(mine) | set(want))
    return [
        f"{k}: node {mine.get(k)} central {want.get(k)}" for k in keys if mine.get(k) != want.get(k)
    ]


def _central(tmp_path, template) -> str:
    """The central's database: the shipped sample (every record type), or all of it."""
    path = tmp_path / "central.db"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    if not FULL:
        svc = Services.open(url, upgrade=False)
        with importing_sample():
            import_shipped(svc)
        svc.close()
    return url


def test_nodes_converge_after_kills_outages_bad_pages_and_wrong_clocks(
    tmp_path, shipped_templates, _sqlite_template, postgres_url
):
    seed = int(os.environ.get("BCH_TEST_SEED") or random.randrange(10**9))
    print(f"BCH_TEST_SEED={seed} BCH_TEST_NODE_FAULTS={ROUNDS}")
    rng = random.Random(seed)
    began = time.monotonic()
    kills: list[str] = []

    def phase(name: str) -> None:  # seen with -s (make node-faults): where the seconds go
        own = resource.getrusage(resource.RUSAGE_SELF)
        ended = resource.getrusage(resource.RUSAGE_CHILDREN)  # the servers killed or stopped
        cpu = (own.ru_utime + own.ru_stime, ended.ru_utime + ended.ru_stime)
        print(f"{time.monotonic() - began:7.1f} s  CPU {cpu[0]:5.1f} + {cpu[1]:5.1f} s  {name}")

    central_url = _central(tmp_path, shipped_templates.sqlite() if FULL else _sqlite_template)
    central = Services.open(central_url, upgrade=False)
    user = central.accounts.add_user(
        "nfp@ca.example", role="nfp", country="CA", password="correct horse battery staple"
    )
    token = central.accounts.issue_token(user, name="node", days=30).token
    authorities_before = _authorities(central)
    c = Served(central_url, tmp_path / "central.log", BCH_WORKERS="1")
    c.start()
    phase("central serving")
    proxy_a = FaultyProxy(c.base, garble=False)
    proxy_b = FaultyProxy(c.base)
    a_url = f"sqlite:///{tmp_path / 'node-a.db'}"
    shutil.copyfile(_sqlite_template, tmp_path / "node-a.db")
    node_a = Services.open(a_url, upgrade=False)
    node_a.node.configure(proxy_a.url, "CA", token=token)
    submitted: list[str] = []

    def submit(node: Services) -> int:
        doc = factories.authority("CA")
        submitted.append(doc["header"]["identifier"])
        return node.node.submit(doc, author=OFFICER).id

    with throwaway_database("node_b") as b_url:
        node_b = Services.open(b_url)
        node_b.node.configure(proxy_b.url, "CA", token=token)
        # one worker process each (the sync loop then runs in it; with --workers N it runs in
        # the supervising process: tests/nodes/test_node_shipped.py starts a node that way)
        a = Served(a_url, tmp_path / "node-a.log", BCH_WORKERS="1", **skewed_clock("-3h"))
        b = Served(b_url, tmp_path / "node-b.log", BCH_WORKERS="1", **skewed_clock("+1d"))

        def kill_a(moment: str) -> None:
            a.kill()
            kills.append(moment)
            phase(f"A killed: {moment}")

        def kill_when_trapped(trap: Trap, moment: str) -> None:
            until(trap.sprung.is_set, f"node A at the moment: {moment}", alive=a.alive)
            kill_a(f"{moment} ({trap.path})")
            trap.release()

        try:
            b.start()
            phase("B serving")
            assert _skew(b) > 12 * 3600  # the fault is real: B's clock is a day ahead
            # 1. kill -9 node A during its bootstrap
            offered = len(httpx.get(f"{c.base}/api/v1/export", timeout=60).json()["items"])
            for r in range(ROUNDS):
                kind = ("dump delivered", "dump withheld", "CPU")[(r + rng.randrange(3)) % 3]
                if kind == "CPU":
                    a.start()
                    extra = cpu_ticks(a.proc.pid) + rng.randrange(1, 40)
                    until(
                        lambda t=extra: (
                            cpu_ticks(a.proc.pid) >= t or node_a.node.state().phase != "bootstrap"
                        ),
                        "node A using CPU in its bootstrap",
                        alive=a.alive,
                        interval=0.005,
                    )
                    kill_a(f"bootstrap, CPU tick {extra}")
                    continue
                # the dumps still to read (one download when the node copies the central's
                # table snapshot instead: the first half of the runs take the first download)
                left = offered - len(node_a.node.state().bootstrapped)
                nth = 1 if rng.random() < 0.5 else rng.randint(1, max(left, 1))
                trap = proxy_a.arm(Trap(dump, nth=nth, withhold=kind == "dump withheld"))
                a.start()
                until(  # the dump's moment, or (the dumps fewer than thought) the bootstrap's end
                    lambda t=trap: t.sprung.is_set() or node_a.node.state().phase != "bootstrap",
                    "node A reading the dumps",
                    alive=a.alive,
                )
                kill_a(f"bootstrap, {kind} ({trap.path or 'after the last dump'})")
                trap.release()
                proxy_a.disarm()
            if node_a.node.state().feed_from is None:  # killed before its first dump: the
                a.start()  # feed would start after the changes below, with no page to watch
                until(lambda: _settled(node_a, central), "node A's first copy", alive=a.alive)
                kill_a("after the bootstrap")
            # 2. feed application: 25 changes made on the central while A is down (one feed
            # page), A started and killed at an observed moment of reading and applying it
            for _ in range(ROUNDS):
                others = ["page", "body", "body withheld", "CPU"]
                for kind in ("cursor committed", rng.choice(others)):
                    last = _last_change(central)
                    _publish_some(central, rng, 25)
                    trap = proxy_a.arm(
                        Trap(record_body, nth=rng.randint(1, 8), withhold=kind == "body withheld")
                        if kind.startswith("body")
                        else Trap(feed_page)
                    )
                    a.start()
                    until(trap.sprung.is_set, "a feed page reaching node A", alive=a.alive)
                    if kind == "cursor committed":  # the cursor's commit, seen from outside
                        until(
                            lambda last=last: node_a.node.state().cursor > last,
                            "node A committing its cursor",
                            alive=a.alive,
                            interval=0.002,
                        )
                    elif kind == "CPU":
                        extra = cpu_ticks(a.proc.pid) + rng.randrange(1, 30)
                        until(
                            lambda t=extra: cpu_ticks(a.proc.pid) >= t or _settled(node_a, central),
                            "node A using CPU on the page",
                            alive=a.alive,
                            interval=0.005,
                        )
                    kill_a(f"feed, {kind} ({trap.path[:40]})")
                    trap.release()
            a.start()
            assert _skew(a) < -3600  # A's clock is 3 hours behind
            # and B (PostgreSQL, behind the garbling proxy) once its cursor is seen committed
            b.kill()
            last = _last_change(central)
            _publish_some(central, rng, 25)
            trap = proxy_b.arm(Trap(feed_page))
            b.start()
            until(trap.sprung.is_set, "a feed page reaching node B", alive=b.alive)
            until(
                lambda: node_b.node.state().cursor > last,
                "node B committing its cursor",
                alive=b.alive,
                interval=0.002,
            )
            b.kill()
            kills.append(f"B: feed, cursor committed ({trap.path})")
            phase("B killed: feed, cursor committed")
            b.start()
            phase("feed-application kills done")
            # 3. pushes: national records submitted on both nodes, A killed as it sends
            for _ in range(ROUNDS):
                for kind in ("publish withheld", rng.choice(["draft", "publish"])):
                    trap = proxy_a.arm(
                        Trap(draft if kind == "draft" else publish, withhold=kind.endswith("held"))
                    )
                    submit(node_a)
                    submit(node_b)
                    kill_when_trapped(trap, f"push, {kind}")
                    a.start()
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
            until(
                lambda: _settled(node_a, central) and _settled(node_b, central),
                "the nodes reading the feed to its end and emptying their outboxes",
                alive=lambda: a.alive() and b.alive(),
            )
            phase("settled")
            want = state(central)
            for name, node in (("A", node_a), ("B", node_b)):
                diff = _differences(state(node), want)
                assert not diff, (name, len(diff), diff[:8])
            # the clocks the nodes ran on were really wrong (what each wrote as its last success)
            assert _written_skew(node_a) < -3600
            assert _written_skew(node_b) > 12 * 3600
        finally:
            for s in (a, b, c):
                s.stop()
            proxy_a.close()
            proxy_b.close()
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
            assert {i.status for i in items} == {"done"}, [(i.identifier, i.status) for i in items]
            assert all(i.result and i.result.get("revision") == 1 for i in items)
            assert node.node.status()["lastError"] is None
        assert len(node_a.node.outbox()) + len(node_b.node.outbox()) == len(submitted)
        assert proxy_b.mangled >= 1  # node B really met bad pages
        print(f"node A started {a.starts} times, killed at: {kills}")
        print(f"{proxy_b.mangled} feed pages garbled")
        node_a.close()
        node_b.close()
    central.close()
