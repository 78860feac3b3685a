"""A new node's bootstrap from the central's table snapshot (issue 12 performance:
GET /api/v1/export/tables.sqlite, bch.services.table_snapshots on the central,
bch.services.node_tables on the node): the node ends with exactly the rows and answers of a node
bootstrapped from the dumps; the snapshot withholds the confidential fields the caller may not
see, as the dumps do; a node killed (SIGKILL) during the download or the copy starts again from
what is on disk, with no record twice; a node on PostgreSQL, or a central on PostgreSQL, uses
the dumps and says why."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.container import Services
from bch.services.errors import NotFound
from tests import factories
from tests.nodes.test_node_derived import (  # noqa: F401
    _answers,
    _rows,
    deriving_node,  # noqa: F811
    shipped_central,
)
from tests.nodes.test_node_sync import _seed, central  # noqa: F401
from tests.waiting import until

ROOT = Path(__file__).resolve().parents[2]
SECRET = "PLANTED-CONFIDENTIAL"


@pytest.fixture
def sqlite_node(tmp_path, _sqlite_template) -> Iterator[tuple[Services, str]]:
    path = tmp_path / "node.db"
    shutil.copy(_sqlite_template, path)
    url = f"sqlite:///{path}"
    svc = Services.open(url, upgrade=False)
    try:
        yield svc, url
    finally:
        svc.close()


def test_a_node_from_the_table_snapshot_holds_what_a_node_from_the_dumps_holds(
    services,
    deriving_node,  # noqa: F811
    shipped_central,  # noqa: F811
):
    hub = shipped_central
    # published by an account: each node shows its publisher in public form (…@example.org)
    hub.svc.records.publish(factories.organism("Zea mays"), by="someone@example.org")
    services.node.configure(hub.url, "CA", token=hub.token)
    report = services.node.sync_once(sole=True)  # as `bch node sync --once`
    mode = services.node.status()["bootstrapMode"]
    if services.db.name == "sqlite":
        assert mode.startswith("tables (snapshot at central sequence ")
        assert mode.endswith(", the downloaded file became the database)")
    else:
        assert mode == "dumps: the node is on postgresql"
    assert sum(report.bootstrapped.values()) == hub.svc.records.health()["records"]
    deriving_node.node.configure(hub.url, "CA", token=hub.token)
    deriving_node.node.sync_once()
    assert deriving_node.node.status()["bootstrapMode"] == "dumps: BCH_NODE_BOOTSTRAP=dumps"
    mine, theirs = _rows(services), _rows(deriving_node)
    for table in mine:  # every record, revision (body, hash, publisher, warnings), derived row
        assert mine[table] == theirs[table], table
    assert len(mine["documents"]) > 100
    answers = _answers(services)
    assert all(a[-1] for a in answers.values()), answers
    assert answers == _answers(deriving_node)
    with TestClient(create_app(services)) as a, TestClient(create_app(deriving_node)) as b:
        for identifier in [r.identifier for r in hub.svc.records.list(limit=40).items]:
            for path in (f"/api/v1/records/{identifier}", f"/api/v2013/documents/{identifier}"):
                assert a.get(path).json() == b.get(path).json(), path
    # then the feed, on both alike
    organism = hub.svc.records.list(schema="organism", limit=1).items[0]
    body = hub.svc.records.get(organism.identifier).document
    hub.svc.records.publish({**body, "commonNames": {"en": "a new name"}}, by="t")
    hub.svc.records.publish(factories.organism("Oryza sativa"), by="t")
    for node in (services, deriving_node):
        assert node.node.sync_once().applied == 2
    assert _rows(services) == _rows(deriving_node)


def _snapshot(client: TestClient, token: str | None = None, **params: str) -> bytes:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answers = []

    def ready() -> bool:
        answer = client.get("/api/v1/export/tables.sqlite", params=params, headers=headers)
        answers.append(answer)
        return answer.status_code != 202

    until(ready, "the table snapshot")
    if len(answers) > 1:  # built meanwhile: 202 with Retry-After first
        assert answers[0].headers["retry-after"].isdigit()
        assert answers[0].json() == {"status": "building", "retryAfter": 2}
    assert answers[-1].status_code == 200, answers[-1].text
    return answers[-1].content


def _bodies(content: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / f"snapshot-{len(list(tmp_path.iterdir()))}.sqlite"
    path.write_bytes(content)
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT d.owner, r.body FROM documents d JOIN revisions r ON r.document_id = d.id "
            "WHERE d.schema = 'authority'"
        )
        return dict(rows.fetchall())
    finally:
        conn.close()


def test_the_snapshot_withholds_what_the_caller_may_not_see(central, tmp_path):  # noqa: F811
    svc = central.svc
    planted = []
    for country in ("CA", "FR"):
        doc = factories.authority(country)
        doc["notes"] = {"en": f"{SECRET} of {country}"}
        planted.append(doc)
    svc.records.publish_many([*planted, factories.organism("Zea mays")], by="nfp@ca.example")
    secretariat = svc.accounts.add_user("sec@cbd.example", role="secretariat", password="x" * 12)
    sec_token = svc.accounts.issue_token(secretariat, name="t", days=1).token
    with TestClient(create_app(svc)) as client:
        public = _snapshot(client)
        assert SECRET.encode() not in public  # nowhere in the file: bodies, texts, index
        assert set(_bodies(public, tmp_path)) == {"CA", "FR"}
        packed = client.get("/api/v1/export/tables.sqlite", params={"compress": "gzip"})
        assert packed.status_code == 200, packed.text
        assert packed.headers["content-type"] == "application/gzip"
        assert gzip.decompress(packed.content) == public  # the same file, gzipped
        canada = _bodies(_snapshot(client, central.token), tmp_path)  # CA's focal point
        assert SECRET in canada["CA"] and SECRET not in canada["FR"]
        everything = _bodies(_snapshot(client, sec_token), tmp_path)
        assert SECRET in everything["CA"] and SECRET in everything["FR"]
        # the dumps say the same to the same callers
        dump = client.get("/api/v1/export/authority.ndjson").content
        assert SECRET.encode() not in dump
        only_fr = _snapshot(client, central.token, countries="FR", schemas="authority")
        assert set(_bodies(only_fr, tmp_path)) == {"FR"}
        wrong = client.get("/api/v1/export/tables.sqlite", params={"schemas": "lmo"})
        assert wrong.status_code == 400
        assert wrong.json()["errors"][0]["path"] == "schemas"
        wrong = client.get("/api/v1/export/tables.sqlite", params={"countries": "Canada"})
        assert wrong.status_code == 400
        assert wrong.json()["errors"][0]["path"] == "countries"


def test_a_central_on_postgresql_offers_no_snapshot(services):
    if services.db.name == "sqlite":
        assert services.table_snapshots.folder is not None
        return
    with pytest.raises(NotFound, match="SQLite only"):
        services.table_snapshots.get()
    with TestClient(create_app(services.configured(BCH_RATE_LIMIT="off"))) as client:
        answer = client.get("/api/v1/export/tables.sqlite")
    assert answer.status_code == 404
    assert "a node bootstraps from the dumps" in answer.json()["message"]


def test_a_node_whose_database_is_open_elsewhere_copies_the_snapshot_into_it(
    sqlite_node,
    deriving_node,  # noqa: F811
    central,  # noqa: F811
):
    """A `bch serve` syncing in the background has the database open: the snapshot's rows are
    copied into it (through the WAL, the full-text index rebuilt), the same rows in the end."""
    _seed(central.svc, 6)
    node, url = sqlite_node
    node.node.configure(central.url, "CA", token=central.token)
    other = sqlite3.connect(url.removeprefix("sqlite:///"))  # another process's connection
    try:
        other.execute("SELECT count(*) FROM node_state").fetchone()
        node.node.sync_once(sole=True)  # sole, but another connection is open: copied
        assert other.execute("SELECT count(*) FROM documents").fetchone()[0] == 8
    finally:
        other.close()
    mode = node.node.status()["bootstrapMode"]
    assert mode.endswith(", copied into the open database)"), mode
    deriving_node.node.configure(central.url, "CA", token=central.token)
    deriving_node.node.sync_once()
    assert _rows(node) == _rows(deriving_node)
    assert node.records.list(schema="organism", q="oryza").items  # the rebuilt text index


# a node process killed by SIGKILL at a chosen point of its bootstrap
KILLED = """
import os, signal, sys
from bch.services.container import Services
from bch.storage import table_bootstrap

svc = Services.open(sys.argv[1], upgrade=False)
where = sys.argv[2]

def die(*_args):
    os.kill(os.getpid(), signal.SIGKILL)

def progress(what, count):
    if where == "download" and what == "tables download" and count > 0:
        die()

if where == "copy":  # every row written, the transaction not committed yet
    adopt = table_bootstrap.adopt_snapshot
    table_bootstrap.adopt_snapshot = lambda node, snap, finish: adopt(node, snap, die)
svc.node.sync_once(on_progress=progress, sole=True)
"""


class Recording(httpx.HTTPTransport):
    def __init__(self):
        super().__init__()
        self.seen: list[tuple[str, str | None, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.seen.append((request.url.path, request.headers.get("range"), response.status_code))
        return response


def _killed(url: str, where: str, script: str = KILLED) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", script, url, where],
        cwd=ROOT,
        env={**os.environ, "BCH_RATE_LIMIT": "off"},
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]


def _integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.execute("INSERT INTO search_tokens_fts(search_tokens_fts, rank) "
                     "VALUES ('integrity-check', 1)")  # fmt: skip
        for table in ("revisions", "changes", "search_tokens"):
            count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            assert count == docs, table  # one each per record: none twice
    finally:
        conn.close()


@pytest.mark.parametrize("where", ["download", "copy"])
def test_a_node_killed_during_the_bootstrap_starts_again_without_duplicates(
    where,
    sqlite_node,
    shipped_central,  # noqa: F811
    tmp_path,
):
    hub = shipped_central
    node, url = sqlite_node
    node.node.configure(hub.url, "CA", token=hub.token)
    path = Path(url.removeprefix("sqlite:///"))
    _node, part, whole = node.node.pull.tables.files(node.node.state())
    with TestClient(create_app(hub.svc)) as client:  # built before the node asks
        size = len(_snapshot(client, hub.token))
    node.db.dispose()  # the node process has its database alone
    _killed(url, where)
    stopped_at = part.stat().st_size if part.exists() else 0
    if where == "download":
        assert 0 < stopped_at < size and not whole.exists()
    else:
        assert whole.stat().st_size == size
        assert node.node.status()["records"] == 0  # the copy was rolled back whole
        assert node.node.status()["phase"] == "bootstrap"
    recording = Recording()
    node.node.transport = recording
    report = node.node.sync_once(sole=True)
    total = hub.svc.records.health()["records"]
    assert sum(report.bootstrapped.values()) == total == node.node.status()["records"]
    snapshot_requests = [s for s in recording.seen if s[0].endswith("tables.sqlite")]
    if where == "download":  # resumed where it stopped
        assert snapshot_requests == [("/api/v1/export/tables.sqlite", f"bytes={stopped_at}-", 206)]
    else:
        assert snapshot_requests == []  # the file on disk was used
    assert not part.exists() and not whole.exists()
    _integrity(path)
    mode = node.node.status()["bootstrapMode"]
    assert mode.endswith(", the downloaded file became the database)"), mode
    answers = _answers(node)
    assert all(a[-1] for a in answers.values()), answers


def test_selections_are_built_one_at_a_time_and_few_are_kept(central, monkeypatch):  # noqa: F811
    """Anyone may ask for any selection: asking for many costs neither the cores nor the disk."""
    from bch.services import table_snapshots

    snapshots = central.svc.table_snapshots
    monkeypatch.setattr(table_snapshots, "KEPT", 2)
    token = central.token  # a selection needs a signed-in caller
    with TestClient(create_app(central.svc)) as client:
        _snapshot(client, token, schemas="organism")
        folder = snapshots.folder
        claim = folder / "tables-0123456789abcdef.building"  # another process builds one
        claim.touch()
        auth = {"Authorization": f"Bearer {token}"}
        for _ in range(3):
            asked = client.get(
                "/api/v1/export/tables.sqlite", params={"schemas": "authority"}, headers=auth
            )
            assert asked.status_code == 202
        assert not snapshots.building  # no build started meanwhile
        claim.unlink()
        for schemas in ("authority", "organism,authority", "modifiedOrganism"):
            _snapshot(client, token, schemas=schemas)
        assert len(list(folder.glob("tables-*-*.sqlite"))) == 2  # the newest two
        assert _snapshot(client, token, schemas="modifiedOrganism")  # kept: answered at once


def test_a_build_keeps_its_claim_alive_while_it_runs(central, monkeypatch):  # noqa: F811
    """A build's claim (`tables-<key>.building`) is taken as dead after STALE seconds without a
    write, and some phases write nothing for long (the record selection: 81 s at 421,620
    records): it is touched every HEARTBEAT seconds while the build runs, so that another
    process never takes a living build for dead and starts the same one beside it. Here the
    claim is made to look dead (mtime 0) inside the build: the heartbeat touches it again."""
    from bch.services import table_snapshots
    from bch.storage import table_snapshot

    _seed(central.svc, 2)
    monkeypatch.setattr(table_snapshots, "HEARTBEAT", 0.01)
    snapshots = central.svc.table_snapshots
    real = table_snapshot.build
    seen: list[tuple[bool, str, set[str], bool]] = []

    def long_phase(source, dest, **kw):
        if not seen:  # the first build: a long phase without a write
            os.utime(dest, (0, 0))  # as old as a dead build's claim
            try:
                until(lambda: dest.stat().st_mtime > 0, "the claim touched", guard=60)
                touched = True
            except AssertionError:
                touched = False
            # another process looks at the claims: a living build, it starts none
            other = table_snapshots.TableSnapshots(
                snapshots.db, snapshots.registry, snapshots.folder
            )
            answer = other.get()
            seen.append((touched, type(answer).__name__, set(other.building), dest.exists()))
        return real(source, dest, **kw)

    monkeypatch.setattr(table_snapshot, "build", long_phase)
    with TestClient(create_app(central.svc)) as client:
        assert _snapshot(client)
    assert seen == [(True, "Building", set(), True)]


def test_anonymous_callers_get_the_whole_public_snapshot_only(central, tmp_path):  # noqa: F811
    """Each new selection starts a build, one at a time: an anonymous caller cycling selections
    would keep it busy while the nodes wait. Selections need a signed-in caller (403 with what
    to do instead); the whole public snapshot stays open to all."""
    _seed(central.svc, 2)
    snapshots = central.svc.table_snapshots
    with TestClient(create_app(central.svc)) as client:
        for params, path in (
            ({"schemas": "organism"}, "schemas"),
            ({"countries": "CA"}, "countries"),
            ({"schemas": "authority", "countries": "FR,CA"}, "schemas"),
        ):
            asked = client.get("/api/v1/export/tables.sqlite", params=params)
            assert asked.status_code == 403, asked.text
            body = asked.json()
            assert "signed-in callers only" in body["message"]
            assert "/api/v1/export/{schema}.ndjson" in body["message"]
            assert body["errors"][0]["path"] == path
            assert body["errors"][0]["code"] == "Error.SignInRequired"
            assert not snapshots.building  # no build started
        assert not list(snapshots.folder.glob("tables-*"))  # nothing built nor claimed
        assert set(_bodies(_snapshot(client), tmp_path)) == {"CA", "FR"}  # the whole scope
        blank = client.get("/api/v1/export/tables.sqlite", params={"schemas": "", "countries": ""})
        assert blank.status_code == 200  # the whole public snapshot, as without parameters


def test_a_node_without_a_token_mirroring_a_country_bootstraps_from_the_dumps(
    sqlite_node,
    central,  # noqa: F811
):
    _seed(central.svc, 4)
    node, _url = sqlite_node
    node.node.configure(central.url, "CA", countries=["CA"])  # no token
    node.node.sync_once(sole=True)
    mode = node.node.status()["bootstrapMode"]
    assert mode == (
        "dumps: the central builds snapshots of some record types or countries for nodes with "
        "a token only (`bch node init --token`)"
    ), mode
    assert node.node.status()["records"] > 0


def test_a_node_over_the_centrals_snapshot_builds_bootstraps_from_the_dumps(
    sqlite_node,
    central,  # noqa: F811
    monkeypatch,
):
    """The central starts at most SELECTION_BUILDS builds of selections an hour per account
    (429 with Retry-After): a node mirroring a selection over that limit bootstraps from the
    dumps at once and says why (before, it backed off and asked again, a 429 each time)."""
    from bch.services import table_snapshots
    from bch.services.ratelimit import Limit, RateLimiter

    _seed(central.svc, 4)
    snapshots = central.svc.table_snapshots
    monkeypatch.setattr(snapshots, "limiter", RateLimiter({table_snapshots.BUCKET: Limit(1, 3600)}))
    with TestClient(create_app(central.svc)) as client:
        _snapshot(client, central.token, schemas="organism")  # the account's one build
    node, _url = sqlite_node
    node.node.configure(central.url, "CA", token=central.token, countries=["CA"])
    node.node.sync_once(sole=True)
    mode = node.node.status()["bootstrapMode"]
    assert mode.startswith(
        "dumps: the central's limit of snapshot builds of a selection per account and hour is "
        "reached (HTTP 429, Retry-After "
    ), mode
    assert node.node.status()["records"] > 0
    assert len(list(snapshots.folder.glob("tables-*-*.sqlite"))) == 1  # no second build


def test_a_signed_in_caller_starts_few_builds_of_selections(central, monkeypatch):  # noqa: F811
    """Anyone may register: a signed-in caller starts at most SELECTION_BUILDS builds of
    selections (here 2) in their window; asking again for a built one, or while one is built,
    does not count; the whole-scope snapshot is not limited so."""
    from bch.services import table_snapshots
    from bch.services.ratelimit import Limit, RateLimiter

    _seed(central.svc, 2)
    snapshots = central.svc.table_snapshots
    monkeypatch.setattr(snapshots, "limiter", RateLimiter({table_snapshots.BUCKET: Limit(2, 3600)}))
    auth = {"Authorization": f"Bearer {central.token}"}
    with TestClient(create_app(central.svc)) as client:
        for schemas in ("organism", "authority"):
            _snapshot(client, central.token, schemas=schemas)  # polled 202s count once
            _snapshot(client, central.token, schemas=schemas)  # kept: not counted
        asked = client.get("/api/v1/export/tables.sqlite", params={"countries": "FR"}, headers=auth)
        assert asked.status_code == 429, asked.text
        assert "selection build" in asked.json()["message"]
        assert int(asked.headers["retry-after"]) > 0
        assert not snapshots.building  # no build started
        assert _snapshot(client, central.token)  # the whole scope: still built


def test_the_request_that_starts_a_build_waits_for_it_a_while(central, monkeypatch):  # noqa: F811
    """The request that starts a snapshot's build waits for it up to FIRST_WAIT seconds: a small
    central's snapshot (built in tenths of a second) is handed out at once; a build that takes
    longer than that is answered 202 with Retry-After, as before (here a build held until the
    202 is seen, with FIRST_WAIT 0.2 s)."""
    import threading

    from bch.services import table_snapshots

    _seed(central.svc, 3)
    monkeypatch.setattr(table_snapshots, "FIRST_WAIT", 60.0)  # a bound on a hang, never reached
    with TestClient(create_app(central.svc)) as client:
        first = client.get("/api/v1/export/tables.sqlite")
        assert first.status_code == 200, first.text
        assert first.content.startswith(b"SQLite format 3\0")
        # a selection (another snapshot), whose build is held
        release, build = threading.Event(), table_snapshots.table_snapshot.build
        monkeypatch.setattr(table_snapshots, "FIRST_WAIT", 0.2)
        monkeypatch.setattr(
            table_snapshots.table_snapshot,
            "build",
            lambda *a, **kw: release.wait(60) and build(*a, **kw),
        )
        auth = {"Authorization": f"Bearer {central.token}"}
        held = client.get("/api/v1/export/tables.sqlite?schemas=organism", headers=auth)
        assert held.status_code == 202
        assert held.headers["retry-after"] == str(table_snapshots.RETRY_AFTER)
        release.set()
        assert _snapshot(client, central.token, schemas="organism").startswith(b"SQLite format 3\0")
