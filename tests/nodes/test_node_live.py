"""National nodes (issue 12), what a node shows and when: a record the central deleted is never
shown by a node, whenever the deletion happened against the node's first copy (before it: the
dumps leave the record out and the feed's tombstones start after the first dump's sequence; or
while it runs); a mirrored record keeps its realm (hence the central's UID); the running sync
loop sends a record queued by another process within seconds. A real central on loopback
(uvicorn in a thread, SQLite); the node's database is each backend in turn."""

from __future__ import annotations

import time
import uuid

from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.container import Services
from tests import factories
from tests.nodes.test_node_sync import _node, _seed, _state
from tests.nodes.test_node_sync import central as central  # the fixture: a central on loopback
from tests.waiting import until


def _live(svc: Services) -> dict[str, tuple[int, int]]:
    return {k: (doc_id, rev) for k, (doc_id, rev, deleted) in _state(svc).items() if not deleted}


def _never_shown(node: Services, gone: list[str], names: list[str]) -> None:
    """The node's API answers none of `gone` (404: never copied, or 410: its tombstone), and
    neither its search nor its change feed lists them as live records."""
    with TestClient(create_app(node)) as client:
        for identifier in gone:
            r = client.get(f"/api/v1/records/{identifier}")
            assert r.status_code in (404, 410), (identifier, r.status_code, r.text[:200])
        for name in names:
            found = client.get("/api/v1/records", params={"q": name, "limit": 100}).json()
            assert not {i["identifier"] for i in found["items"]} & set(gone), name
        listed = client.get("/api/v1/records", params={"limit": 100}).json()["items"]
        assert not {i["identifier"] for i in listed} & set(gone)
        feed = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
        last = {e["identifier"]: e["action"] for e in feed}  # in sequence order: the last wins
        assert all(last.get(i, "delete") == "delete" for i in gone), last


def test_records_deleted_before_the_first_sync_never_reach_the_node(services, central):
    """Deleted on the central before the node existed: not in any dump, and their tombstones are
    before the feed's start. The node never has them, and holds exactly the live records."""
    ids = _seed(central.svc, 6)
    gone = [ids[0], ids[3], ids[-1]]  # two organisms and the FR authority
    for identifier in gone:
        central.svc.records.delete(identifier, reason="withdrawn before the node", by="t")
    revised = central.svc.records.get(ids[1]).document  # revised, then deleted
    central.svc.records.publish({**revised, "commonNames": {"en": "x"}}, by="t", strict=False)
    central.svc.records.delete(ids[1], reason="revised, then withdrawn", by="t")
    gone.append(ids[1])
    node = _node(services, central)
    node.node.sync_once()
    assert _live(node) == _live(central.svc)
    assert not set(_state(node)) & set(gone)  # never copied: no row at all
    _never_shown(node, gone, ["Zea mays", "Glycine max", "Solanum tuberosum"])
    node.node.sync_once()  # and a second round does not bring them either
    assert _live(node) == _live(central.svc)
    _never_shown(node, gone, ["Zea mays"])


def test_records_deleted_while_the_first_copy_runs_are_deleted_on_the_node(services, central):
    """During the bootstrap, once the first dump (organisms) is applied: an organism it holds
    is deleted (its tombstone comes through the feed), an authority not yet dumped is deleted
    (left out of its dump; its tombstone, after the first dump's sequence, is in the feed), a
    new record is published and deleted at once. None of them is shown by the node."""
    ids = _seed(central.svc, 4)
    organism, authority = ids[0], ids[-2]  # the CA authority: its dump comes later
    brief = factories.organism("Oryza sativa")
    gone = [organism, authority, brief["header"]["identifier"]]
    done: list[str] = []

    def on_progress(schema: str, _applied: int) -> None:
        if schema == "organism" and not done:
            done.append(schema)
            for identifier in gone[:2]:
                central.svc.records.delete(identifier, reason="withdrawn meanwhile", by="t")
            central.svc.records.publish(brief, by="t")
            central.svc.records.delete(gone[2], reason="a mistake", by="t")

    node = _node(services.configured(BCH_NODE_BOOTSTRAP="dumps"), central)  # between dumps
    node.node.sync_once(on_progress)
    assert done == ["organism"]  # the deletions happened between the dumps
    assert _live(node) == _live(central.svc)
    state = _state(node)
    assert state[organism][2] is True  # copied by the first dump, then its tombstone
    assert all(state[i][2] for i in gone if i in state)
    _never_shown(node, gone, ["Zea mays", "Oryza sativa"])


def _chm_organization(name: str) -> dict:
    doc = {"header": {"identifier": str(uuid.uuid4()), "schema": "organization",
                      "languages": ["en"], "realm": "CHM"}, "name": {"en": name}}  # fmt: skip
    return doc


def test_a_chm_realm_record_keeps_the_centrals_uid_on_the_node(services, central):
    """`organization` exists in two realms: a CHM organization (the shipped cooperation
    records) is CHM-ORG on the node too, by the dump and by the feed, so its UID is the
    central's (it was stored as BCH-ORG, and the central's UID answered 404 on the node)."""
    first = _chm_organization("Green Customs Initiative")
    central.svc.records.publish(first, by="t", strict=False)  # as the import does
    node = _node(services, central)
    node.node.sync_once()
    second = _chm_organization("Ramsar Convention Secretariat")
    central.svc.records.publish(second, by="t", strict=False)
    node.node.sync_once()
    with TestClient(create_app(node)) as client:
        for doc in (first, second):
            uid = central.svc.records.get(doc["header"]["identifier"]).uid
            assert uid.startswith("CHM-ORG-")
            assert node.records.get(doc["header"]["identifier"]).uid == uid
            r = client.get(f"/api/v1/records/{uid}")
            assert r.status_code == 200 and r.json()["id"] == uid


def test_the_running_loop_sends_a_record_queued_by_another_process(services, central):
    """`bch node submit`, or a publish in a worker of `bch serve --workers N`, queues the record
    from a process whose wake-up event the sync loop does not see: the loop looks at the outbox
    while it waits, so the record reaches the central within seconds, not at the next poll
    (300 s here)."""
    import threading

    node = _node(services.configured(BCH_NODE_POLL_SECONDS="300"), central)
    assert node.node.poll_seconds == 300
    node.node.sync_once()
    rounds: list[float] = []
    sync_once = node.node.sync_once
    node.node.sync_once = lambda *a: rounds.append(time.monotonic()) or sync_once(*a)
    stop = threading.Event()
    loop = threading.Thread(target=node.node.run, args=(stop,), daemon=True)
    loop.start()
    # idle: its first round done, and the one the event stream's first event wakes
    until(lambda: rounds and time.monotonic() - rounds[-1] > 3, "the loop idle")
    other = Services.open(services.engine.url.render_as_string(hide_password=False), upgrade=False)
    try:
        doc = factories.authority("CA")
        identifier = doc["header"]["identifier"]
        other.node.submit(doc, author="another process")  # its own wake-up event
        assert not node.node.wake.is_set()

        def on_central() -> bool:
            with central.svc.store.reading() as conn:
                return central.svc.store.document_by_identifier(conn, identifier) is not None

        until(on_central, "the queued record on the central", alive=loop.is_alive, guard=30)
    finally:
        stop.set()
        node.node.wake.set()
        loop.join(timeout=30)
        other.close()
