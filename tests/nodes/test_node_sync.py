"""National nodes (issue 12): a node pulls a real central over HTTP on loopback (uvicorn in a
thread, SQLite), keeping its identifiers and revisions, idempotently; refuses malformed and
truncated feed pages whole; pushes national records exactly once (Idempotency-Key) and shows
the conflicts If-Match detects. The node's database is each backend in turn."""

from __future__ import annotations

import re
import shutil
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select

from bch.api.app import create_app
from bch.services.container import Services
from bch.services.node_central import CentralError
from bch.services.node_pull import gunzip_lines, read_ahead
from bch.storage.tables import documents
from tests import factories
from tests.waiting import until

PASSWORD = "correct horse battery staple"
NAMES = ["Zea mays", "Glycine max", "Brassica napus", "Solanum tuberosum", "Oryza sativa"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Central:
    """A central served by uvicorn on loopback, with a CA focal point's API token."""

    def __init__(self, svc: Services):
        self.svc = svc
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # the nodes' open event streams (/api/v1/changes/stream) end only when their reader
        # goes: at the end of a test the central stops without waiting for them (it waited
        # ~15 s per test, until a heartbeat found the reader gone; then 1 s per test, the grace
        # an open stream had before it was cancelled: now a tenth of it)
        config = uvicorn.Config(
            create_app(svc),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            timeout_graceful_shutdown=0.1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        until(lambda: self.server.started, "the central's start", alive=self.thread.is_alive)
        user = svc.accounts.add_user("nfp@ca.example", role="nfp", country="CA", password=PASSWORD)
        self.token = svc.accounts.issue_token(user, name="node", days=30).token

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture
def central(tmp_path, _sqlite_template) -> Iterator[Central]:
    path = tmp_path / "central.db"
    shutil.copy(_sqlite_template, path)
    svc = Services.open(f"sqlite:///{path}").configured(BCH_RATE_LIMIT="off")
    c = Central(svc)
    try:
        yield c
    finally:
        c.stop()
        svc.close()


def _seed(svc: Services, n: int) -> list[str]:
    docs = [factories.organism(NAMES[i % len(NAMES)]) for i in range(n)]
    docs.append(factories.authority("CA"))
    docs.append(factories.authority("FR"))
    svc.records.publish_many(docs, by="test")
    return [d["header"]["identifier"] for d in docs]


def _state(svc: Services) -> dict[str, tuple[int, int, bool]]:
    """identifier -> (documentID, latest revision, deleted)."""
    with svc.engine.connect() as conn:
        rows = conn.execute(
            select(
                documents.c.identifier,
                documents.c.id,
                documents.c.latest_revision,
                documents.c.deleted_at,
            )
        )
        return {r[0]: (r[1], r[2], r[3] is not None) for r in rows}


def _node(services: Services, central: Central, **kw) -> Services:
    services.node.configure(central.url, "CA", token=central.token, **kw)
    return services


def test_bootstrap_then_feed_keep_the_centrals_ids_and_revisions(services, central):
    ids = _seed(central.svc, 12)
    node = _node(services, central)
    report = node.node.sync_once()
    assert sum(report.bootstrapped.values()) == 14
    assert _state(node) == _state(central.svc)
    # a new revision, a deletion and a new record on the central come through the feed
    central.svc.records.publish(
        factories.organism("Zea mays", identifier=ids[0], commonNames={"en": "maize"}), by="t"
    )
    central.svc.records.delete(ids[1], reason="duplicate record", by="t")
    central.svc.records.publish(factories.organism("Oryza sativa"), by="t")
    report = node.node.sync_once()
    assert report.applied == 3
    assert _state(node) == _state(central.svc)
    assert _state(node)[ids[0]][1] == 2 and _state(node)[ids[1]][2] is True
    # served like a local record: API, search
    with TestClient(create_app(node)) as client:
        r = client.get(f"/api/v1/records/{ids[0]}")
        assert r.status_code == 200 and r.json()["document"]["commonNames"] == {"en": "maize"}
        assert r.json()["id"] == central.svc.records.get(ids[0]).uid
        assert client.get(f"/api/v1/records/{ids[1]}").status_code == 410
        found = client.get("/api/v1/records?q=maize&schema=organism").json()
        assert ids[0] in [i["identifier"] for i in found["items"]]
        page = client.get("/en/").text
        assert 'id="node-banner"' in page and "In step with the central" in page
    status = node.node.status()
    assert status["lagSequence"] == 0 and status["cursor"] == central.svc.changes.last_sequence()


def test_replaying_everything_changes_nothing(services, central):
    _seed(central.svc, 5)
    node = _node(services, central)
    node.node.sync_once()
    before, seq = _state(node), node.changes.last_sequence()
    with node.uow() as tx:  # as if the cursor were lost: bootstrap and the whole feed again
        node.node.repo.update(tx.conn, phase="bootstrap", feed_from=0, bootstrapped=[], cursor=0)
    report = node.node.sync_once()
    assert report.applied == 0 and sum(report.bootstrapped.values()) == 0
    assert _state(node) == before and node.changes.last_sequence() == seq


def _fts_triggers(svc: Services) -> set[str]:
    with svc.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_tokens'"
        )
        return {r[0] for r in rows}


def test_an_interrupted_bootstrap_still_ends_with_a_complete_text_index(
    services, central, monkeypatch
):
    """The bootstrap stops SQLite's full-text index triggers and rebuilds the index once, with
    its change to `following`: a bootstrap failing between two dumps resumes, and every record
    is then found by a text query (the database's own full-text index, not the bitmaps)."""
    _seed(central.svc, 8)
    node = _node(services.configured(BCH_NODE_BOOTSTRAP="dumps"), central)  # the dumps' path
    pull, load_dump, calls = node.node.pull, node.node.pull.load_dump, []

    def cut_at_the_second_dump(client, state, schema, on_progress, memo=None):
        calls.append(schema)
        if len(calls) == 2:
            raise CentralError("the line was cut")
        return load_dump(client, state, schema, on_progress, memo)

    monkeypatch.setattr(pull, "load_dump", cut_at_the_second_dump)
    with pytest.raises(CentralError):
        node.node.sync_once()
    assert node.node.state().phase == "bootstrap" and node.node.state().bootstrapped
    sqlite = node.engine.dialect.name == "sqlite"
    if sqlite:
        assert _fts_triggers(node) == set()  # deferred, not rebuilt yet
    monkeypatch.undo()
    node.node.sync_once()
    assert node.node.state().phase == "following"
    if sqlite:
        assert _fts_triggers(node) == {"search_tokens_fts_ai", "search_tokens_fts_ad"}
    for word in ("zea", "glycine", "oryza"):
        want = central.svc.records.list(schema="organism", q=word, limit=100).items
        got = node.records.list(schema="organism", q=word, limit=100).items
        assert want and [d.identifier for d in got] == [d.identifier for d in want], word
    # and the index is kept again row by row: a feed publish is found at once
    central.svc.records.publish(factories.organism("Solanum lycopersicum"), by="t")
    node.node.sync_once()
    assert node.records.list(schema="organism", q="lycopersicum").items


def test_records_revised_or_published_then_deleted_between_two_syncs(services, central):
    """Their revisions cannot be read any more (410): the node still ends with the central's
    tombstones at the central's revisions, also for a record it never had."""
    ids = _seed(central.svc, 3)
    node = _node(services, central)
    node.node.sync_once()
    doc = central.svc.records.get(ids[0]).document
    central.svc.records.publish({**doc, "commonNames": {"en": "revised"}}, by="t", strict=False)
    central.svc.records.delete(ids[0], reason="revised, then deleted", by="t")
    brief = factories.organism("Oryza sativa")
    central.svc.records.publish(brief, by="t")
    central.svc.records.delete(brief["header"]["identifier"], reason="a mistake", by="t")
    node.node.sync_once()
    assert _state(node) == _state(central.svc)
    assert _state(node)[ids[0]] == (_state(central.svc)[ids[0]][0], 2, True)
    with TestClient(create_app(node)) as client:
        assert client.get(f"/api/v1/records/{brief['header']['identifier']}").status_code == 410
        assert client.get("/api/v1/changes?limit=1000").status_code == 200
    before, seq = _state(node), node.changes.last_sequence()
    with node.uow() as tx:  # replayed: nothing changes
        node.node.repo.update(tx.conn, phase="bootstrap", feed_from=0, bootstrapped=[], cursor=0)
    node.node.sync_once()
    assert _state(node) == before and node.changes.last_sequence() == seq


def test_mirrors_only_the_chosen_schemas_and_countries(services, central):
    _seed(central.svc, 3)
    node = _node(services, central, schemas=["authority"], countries=["CA"])
    node.node.sync_once()
    mirrored = {(d.schema, d.owner) for d in node.records.list(limit=100).items}
    assert mirrored == {("authority", "CA")}


class Faulty(httpx.BaseTransport):
    """Forwards to the central; `mangle(path, body)` may change the answer's body."""

    def __init__(self, mangle):
        self.inner = httpx.HTTPTransport()
        self.mangle = mangle

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        body = response.read()
        new = self.mangle(request.url.path, body)
        return httpx.Response(response.status_code, headers=response.headers, content=new)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda body: body[: len(body) // 2],  # truncated
        lambda body: body.replace(b'"seq":', b'"seq":"x",', 1),  # malformed entry
        lambda body: b"<html>proxy error</html>",
    ],
    ids=["truncated", "malformed", "not-json"],
)
def test_a_bad_feed_page_is_refused_whole_and_retried(services, central, mangle):
    _seed(central.svc, 3)
    node = _node(services, central)
    node.node.sync_once()
    before = _state(node)
    cursor = node.node.state().cursor
    central.svc.records.publish(factories.organism("Glycine max"), by="t")
    bad = Faulty(lambda path, body: mangle(body) if path == "/api/v1/changes" else body)
    n = node.node
    broken = n.__class__(n.db, n.repo, n.records, n.uow, n.registry, n.pull, n.push, transport=bad)
    with pytest.raises(CentralError):
        broken.sync_once()
    assert _state(node) == before and node.node.state().cursor == cursor
    assert node.node.status()["lastError"]
    node.node.sync_once()  # the central answers properly again
    assert _state(node) == _state(central.svc) and node.node.status()["lastError"] is None


def test_a_truncated_dump_is_refused():
    import zlib

    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    data = z.compress(b'{"_meta": {}}\n{"id": 1}\n') + z.flush()
    with pytest.raises(CentralError):
        list(gunzip_lines(iter([data[:-6]])))


def test_read_ahead_yields_in_order_and_raises_where_the_reader_failed():
    def items():
        yield from range(5)
        raise CentralError("a line is not JSON")

    seen = []
    with pytest.raises(CentralError, match="not JSON"):
        for i in read_ahead(items()):
            seen.append(i)
    assert seen == [0, 1, 2, 3, 4]  # every batch read before the bad line is applied first
    # a consumer that stops early stops the reader too
    reader = read_ahead(iter(range(10**9)))
    assert next(reader) == 0
    reader.close()
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]


def test_push_reaches_the_central_exactly_once_and_comes_back(services, central):
    _seed(central.svc, 2)
    node = _node(services, central)
    node.node.sync_once()
    doc = factories.authority("CA")
    identifier = doc["header"]["identifier"]
    item = node.node.submit(doc, author="officer@ca.example")
    assert node.node.status()["pendingPushes"] == 1
    node.node.sync_once()  # pushes; the feed brings it back on the next round
    node.node.sync_once()
    assert central.svc.records.get(identifier).revision.revision == 1
    assert _state(node)[identifier] == _state(central.svc)[identifier]
    assert node.node.status()["pendingPushes"] == 0
    # the same entry sent again (its acknowledgement lost): the central answers as before
    with node.uow() as tx:
        node.node.repo.mark(tx.conn, item.id, status="pending")
    node.node.sync_once()
    versions = central.svc.records.versions(identifier)[1]
    assert len(versions) == 1
    assert node.node.outbox()[0].result["id"].endswith("-1")
    # a record of another country is refused on the node
    with pytest.raises(Exception, match="national records of CA"):
        node.node.submit(factories.authority("FR"), author="x")


def test_a_record_changed_on_the_central_meanwhile_is_a_conflict(services, central):
    doc = factories.authority("CA")
    identifier = doc["header"]["identifier"]
    central.svc.records.publish(doc, by="t")
    node = _node(services, central)
    node.node.sync_once()
    mine = {**doc, "name": {"en": "Canadian Food Inspection Agency (node edit)"}}
    node.node.submit(mine, author="officer@ca.example")  # based on revision 1
    theirs = {**doc, "cpbOrganismTypes": [{"identifier": "TypeOfOrganisms.animals"}]}
    central.svc.records.publish(theirs, by="t")  # revision 2 on the central meanwhile
    report = node.node.sync_once()
    assert report.conflicts == 1
    assert central.svc.records.get(identifier).revision.revision == 2  # not overwritten
    [item] = node.node.outbox(("conflict",))
    info = node.node.conflict(item.id)
    assert set(info["fields"]) == {"name", "cpbOrganismTypes"} and info["theirsRevision"] == 2
    # the node's user resolves it on the node's page: name mine, the rest theirs
    node.accounts.add_user("officer@ca.example", role="nfp", country="CA", password=PASSWORD)
    quiet = node.configured(BCH_NODE_SYNC="off")  # the test syncs, not the app
    with TestClient(create_app(quiet), follow_redirects=False) as web:
        r = web.post(
            "/en/sign-in",
            data={"email": "officer@ca.example", "password": PASSWORD, "next": "/en/"},
        )
        assert r.status_code == 303, r.text
        html = web.get("/en/node").text
        assert f'id="conflict-{item.id}"' in html and "node edit" in html
        csrf = re.search(r'name="csrf" value="([^"]*)"', html).group(1)
        r = web.post(
            f"/en/node/outbox/{item.id}/resolve",
            data={"csrf": csrf, "choice": "merge", "field.name": "mine"},
        )
        assert r.status_code == 303, r.text
    assert node.node.outbox()[0].status == "pending"
    node.node.sync_once()
    node.node.sync_once()
    merged = central.svc.records.get(identifier)
    assert merged.revision.revision == 3
    assert merged.document["name"] == mine["name"]
    assert merged.document["cpbOrganismTypes"] == theirs["cpbOrganismTypes"]
    assert _state(node)[identifier] == _state(central.svc)[identifier]


def test_idempotency_key_on_the_centrals_publish(central):
    headers = {"Authorization": f"Bearer {central.token}"}
    doc = factories.authority("CA")
    identifier = doc["header"]["identifier"]
    with httpx.Client(base_url=central.url, headers=headers) as client:
        for _ in range(2):
            r = client.put(
                f"/api/v1/drafts/{identifier}", json=doc, headers={"Idempotency-Key": "k-draft"}
            )
            assert r.status_code == 201, r.text
        answers = [
            client.post(f"/api/v1/drafts/{identifier}/publish", headers={"Idempotency-Key": "k"})
            for _ in range(2)
        ]
        assert [a.status_code for a in answers] == [201, 201]
        assert answers[0].json() == answers[1].json()
        bad = client.post(
            f"/api/v1/drafts/{identifier}/publish", headers={"Idempotency-Key": "x" * 500}
        )
        assert bad.status_code == 400 and "Idempotency-Key" in bad.text
    assert len(central.svc.records.versions(identifier)[1]) == 1


def test_the_change_stream_announces_each_new_sequence(central):
    with (
        httpx.Client(base_url=central.url, timeout=30) as client,
        client.stream(
            "GET", "/api/v1/changes/stream", headers={"Accept": "text/event-stream"}
        ) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        first = next(line for line in lines if line.startswith("data:"))
        assert '"sequence": 0' in first
        central.svc.records.publish(factories.organism("Zea mays"), by="t")
        second = next(line for line in lines if line.startswith("data:"))
        assert '"sequence": 1' in second
    once = httpx.get(f"{central.url}/api/v1/changes/stream", timeout=30)  # not following
    assert once.status_code == 200 and once.text.count("data:") == 1


def test_init_refuses_a_database_with_records_of_its_own(services, central):
    services.records.publish(factories.organism("Zea mays"), by="t")
    with pytest.raises(Exception, match="already holds 1 records"):
        services.node.configure(central.url, "CA")
    with pytest.raises(Exception, match="country must be"):
        services.node.configure(central.url, "Canada")


def test_status_of_a_central_is_not_a_node(services):
    assert services.node.status() == {"node": False}


def test_a_publish_by_a_node_user_goes_to_the_central(services, central):
    from bch.services.policy import Principal

    node = _node(services, central)
    node.node.sync_once()
    officer = node.accounts.add_user("officer@ca.example", role="nfp", country="CA")
    me = Principal(user_id=officer.id, email=officer.email, roles=frozenset({("nfp", "CA")}))
    doc = factories.authority("CA")
    identifier = doc["header"]["identifier"]
    node.drafts.save(me, identifier, doc)
    done = node.workflow.publish_draft(me, identifier)
    assert done.published is not None and done.published.warnings[0]["code"] == "Info.Forwarded"
    assert identifier not in _state(node)  # nothing published locally under a local number
    node.node.sync_once()
    node.node.sync_once()
    assert _state(node)[identifier] == _state(central.svc)[identifier]
    assert [i.status for i in node.node.outbox()] == ["done"]
