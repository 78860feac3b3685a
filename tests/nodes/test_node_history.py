"""A node holds the central's whole history of the records it mirrors (issue 12: "mirrored
records keep their central identifiers and revisions"): a record published three times by three
accounts before the node's bootstrap, a fourth time after, answers the same on the node and on
the central on every surface that reads its history (/info revisions and createdBy, /versions,
/versions/1, v2013 /info, /versions and /versions/1, the history page, the diff page), whether
the node bootstrapped from the table snapshot (a SQLite node), or from the dumps (PostgreSQL, or
BCH_NODE_BOOTSTRAP=dumps). Older revisions withhold what the node's caller view may not see, as
the dumps do; a copy interrupted (the line cut, or the node process killed by SIGKILL inside a
page's transaction or after one) resumes from its cursor without writing a revision twice or
losing one. A real central on loopback; the node's database is each backend in turn."""

from __future__ import annotations

import re
import shutil
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bch.api.app import create_app
from bch.services.container import Services
from bch.services.node_central import CentralError
from bch.storage.tables import revisions
from tests import factories
from tests.nodes.test_node_derived import deriving_node  # noqa: F401
from tests.nodes.test_node_sync import _node
from tests.nodes.test_node_sync import central as central  # the fixture: a central on loopback
from tests.nodes.test_node_tables import _killed

SECRET = "PLANTED-CONFIDENTIAL"
ACCOUNTS = ("alice@ca.example.org", "bob@gc.example.ca", "carol@scbd.example.int")


def _revise(doc: dict[str, Any], n: int) -> dict[str, Any]:
    doc["name"] = {"en": f"Authority (revision {n})", "fr": f"Autorité (révision {n})"}
    doc["notes"] = {"en": f"{SECRET} {doc['government']['identifier']} {n}"}
    return doc


def _surfaces(client: TestClient, ident: str, revisions: int, *, hashes: bool = True) -> dict:
    """What every surface reading a record's history answers (anonymous)."""
    out: dict[str, Any] = {}

    def get(path: str) -> Any:
        answer = client.get(path)
        return answer.status_code, answer.json()

    out["info"] = get(f"/api/v1/records/{ident}/info")
    status, versions = get(f"/api/v1/records/{ident}/versions")
    if not hashes:  # of the whole body on the central, of what the node may hold on the node
        for v in versions["items"]:
            v.pop("hash")
    out["versions"] = status, versions
    out["v2013 info"] = get(f"/api/v2013/documents/{ident}/info")
    out["v2013 versions"] = get(f"/api/v2013/documents/{ident}/versions")
    for n in range(1, revisions + 1):
        out[f"version {n}"] = get(f"/api/v1/records/{ident}/versions/{n}")
        out[f"v2013 version {n}"] = get(f"/api/v2013/documents/{ident}/versions/{n}")
        out[f"v2013 version {n} info"] = get(f"/api/v2013/documents/{ident}/versions/{n}/info")
    page = client.get(f"/en/records/{ident}/history").text
    out["history page"] = re.findall(r"<tbody>.*?</tbody>", page, re.S)
    diff = client.get(f"/en/records/{ident}/diff", params={"from": 1, "to": 2})
    out["diff page"] = diff.status_code, re.findall(r"<table.*?</table>", diff.text, re.S)
    return out


def _bodies(svc: Services) -> list[str]:
    with svc.engine.connect() as conn:
        return [str(b) for b in conn.execute(select(revisions.c.body)).scalars()]


# a SQLite node from the table snapshot, a PostgreSQL node (always from the dumps), and a
# SQLite node from the dumps (BCH_NODE_BOOTSTRAP=dumps; on PostgreSQL it would repeat the second)
@pytest.mark.parametrize(
    ("services", "mode"),
    [("sqlite", "tables or dumps"), ("postgres", "tables or dumps"), ("sqlite", "dumps")],
    indirect=["services"],
)
def test_a_node_holds_the_centrals_history_of_every_record(
    services,
    deriving_node,  # noqa: F811
    central,
    mode,
):
    node = services if mode == "tables or dumps" else deriving_node
    ca = factories.authority("CA")
    fr = factories.authority("FR")
    for n, by in enumerate(ACCOUNTS, start=1):
        central.svc.records.publish(_revise(ca, n), by=by)
        if n < 3:
            central.svc.records.publish(_revise(fr, n), by=by)
    single = factories.organism("Zea mays")
    central.svc.records.publish(single, by="dave@example.net")
    _node(node, central)  # with the token of CA's focal point: CA's confidential fields
    node.node.sync_once(sole=False)
    said = node.node.status()
    if node.db.name == "sqlite" and mode != "dumps":
        assert said["bootstrapMode"].startswith("tables ")
    else:
        assert said["bootstrapMode"].startswith("dumps: ")
    central.svc.records.publish(_revise(ca, 4), by="erin@ca.example.org")  # through the feed
    assert node.node.sync_once().applied == 1
    records = ((ca, 4, True), (fr, 2, False), (single, 1, True))
    with TestClient(create_app(node)) as n, TestClient(create_app(central.svc)) as c:
        for doc, count, hashes in records:
            ident = doc["header"]["identifier"]
            mine, theirs = (_surfaces(x, ident, count, hashes=hashes) for x in (n, c))
            for key in theirs:
                assert mine[key] == theirs[key], (ident, key)
        info = theirs = _surfaces(c, ca["header"]["identifier"], 4)
        info = theirs["info"][1]
        assert (info["revisions"], info["createdBy"]) == (4, "…@ca.example.org")
        assert [v["revision"] for v in theirs["versions"][1]["items"]] == [1, 2, 3, 4]
    said = node.node.status()
    assert said["history"] == {"after": None, "revisions": 3, "done": True}
    assert said["historyText"] == "the central's older revisions copied (3)"
    # the node holds what its caller view may read: CA's confidential notes, not France's
    held = " ".join(_bodies(node))
    assert f"{SECRET} CA 1" in held and f"{SECRET} CA 2" in held
    assert f"{SECRET} FR" not in held
    # copied once: nothing more to do, nothing written twice
    assert node.node.sync_once().applied == 0
    with node.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(revisions)).scalar_one() == 7


class Interrupted(httpx.BaseTransport):
    """The line to the central, cut at the `cut`-th request for older revisions."""

    def __init__(self, cut: int):
        self.inner = httpx.HTTPTransport()
        self.cut = cut
        self.asked: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/revisions":
            self.asked.append(request.url.params.get("after", ""))
            if len(self.asked) == self.cut:
                raise httpx.ConnectError("the line is cut", request=request)
        return self.inner.handle_request(request)


def test_an_interrupted_history_copy_resumes_from_its_cursor(services, central):
    docs = [factories.authority("CA") for _ in range(3)]
    for n in (1, 2, 3):
        central.svc.records.publish_many([_revise(d, n) for d in docs], by="t@ca.example.org")
    node = _node(services, central)
    node.node.pull.history.page = 2  # 6 older revisions: pages of 2
    cut = Interrupted(cut=3)
    node.node.transport = cut
    with pytest.raises(CentralError):
        node.node.sync_once()
    stopped = node.node.status()["history"]
    assert stopped["revisions"] == 4 and not stopped["done"] and stopped["after"]
    assert node.node.status()["historyText"] == "copying the central's older revisions: 4 so far"
    last = docs[-1]["header"]["identifier"]  # its older revisions not copied yet
    rows = re.compile(r"<tr>\s*<td>")
    serving = node.configured(BCH_NODE_SYNC="off")  # a server of the node, its caches its own
    with TestClient(create_app(serving)) as n:
        pages = [n.get(f"/en/records/{last}/history").text]
        versions = [n.get(f"/api/v1/records/{last}/versions").json()["items"]]
        node.node.transport = resumed = Interrupted(cut=0)
        node.node.sync_once()
        pages.append(n.get(f"/en/records/{last}/history").text)
        versions.append(n.get(f"/api/v1/records/{last}/versions").json()["items"])
    # what the node's caches kept of the record is forgotten when its history arrives
    assert [len(rows.findall(p)) for p in pages] == [1, 3]
    assert [len(v) for v in versions] == [1, 3]
    assert resumed.asked[0] == stopped["after"]  # from where it stopped, not from the start
    assert "" not in resumed.asked
    assert node.node.status()["history"]["revisions"] == 6
    with node.engine.connect() as conn, central.svc.engine.connect() as theirs:
        count = select(revisions.c.document_id, func.count()).group_by(revisions.c.document_id)
        assert sorted(conn.execute(count).all()) == sorted(theirs.execute(count).all())


# a node process killed by SIGKILL during the copy of older revisions (pages of 2)
KILLED = """
import os, signal, sys
from bch.services import node_history
from bch.services.container import Services

svc = Services.open(sys.argv[1], upgrade=False)
where = sys.argv[2]
svc.node.pull.history.page = 2

def die(*_args):
    os.kill(os.getpid(), signal.SIGKILL)

def progress(what, count):
    if where == "after a page" and what == "history" and count > 0:
        die()  # the first page committed with its cursor

if where == "in a page":  # the first page's revisions written, not committed
    write = node_history.insert_older
    node_history.insert_older = lambda conn, rows: (write(conn, rows), die())
svc.node.sync_once(on_progress=progress, sole=True)
"""


@pytest.mark.parametrize("where", ["in a page", "after a page"])
def test_a_node_killed_while_copying_the_history_resumes_without_duplicates(
    where, central, tmp_path, _sqlite_template
):
    docs = [factories.authority("CA") for _ in range(3)]
    for n in (1, 2, 3):
        central.svc.records.publish_many([_revise(d, n) for d in docs], by="t@ca.example.org")
    path = tmp_path / "killed-node.db"
    shutil.copy(_sqlite_template, path)
    url = f"sqlite:///{path}"
    node = Services.open(url, upgrade=False)
    try:
        _node(node, central)
        node.db.dispose()  # the node process has its database alone
        _killed(url, where, KILLED)
        stopped = node.node.status()
        assert stopped["records"] == 3  # bootstrapped, then killed in the history
        if where == "in a page":
            assert stopped["history"] is None  # rolled back whole
            with node.engine.connect() as conn:
                assert conn.execute(select(func.count()).select_from(revisions)).scalar() == 3
        else:
            assert stopped["history"]["revisions"] == 2 and stopped["history"]["after"]
        node.node.transport = resumed = Interrupted(cut=0)
        node.node.sync_once()
        assert resumed.asked[0] == ((stopped["history"] or {}).get("after") or "")
        assert node.node.status()["history"] == {"after": None, "revisions": 6, "done": True}
        count = select(revisions.c.document_id, func.count()).group_by(revisions.c.document_id)
        with node.engine.connect() as conn, central.svc.engine.connect() as theirs:
            assert sorted(conn.execute(count).all()) == sorted(theirs.execute(count).all())
    finally:
        node.close()


def test_the_centrals_older_revisions_page_and_withhold(services):
    """GET /api/v1/revisions on a central of each backend: pages in (documentID, revision)
    order, the confidential fields only for who may see them; bad input is a 400 naming it."""
    svc = services.configured(BCH_RATE_LIMIT="off")
    docs = [factories.authority("CA"), factories.authority("FR")]
    for n in (1, 2, 3):
        svc.records.publish_many([_revise(d, n) for d in docs], by="t@ca.example.org")
    svc.records.publish(factories.organism("Zea mays"), by="t")  # one revision: none older
    nfp = svc.accounts.add_user("nfp@ca.example", role="nfp", country="CA", password="x" * 12)
    token = svc.accounts.issue_token(nfp, name="t", days=1).token
    with TestClient(create_app(svc)) as c:
        seen, after = [], ""
        while True:
            page = c.get("/api/v1/revisions", params={"limit": 3, "after": after}).json()
            seen += page["items"]
            if page["next"] is None:
                break
            after = page["next"]
        assert [(i["country"], i["revision"]) for i in seen] == [
            ("CA", 1), ("CA", 2), ("FR", 1), ("FR", 2)
        ]  # fmt: skip
        assert SECRET not in str(seen)  # the public
        assert seen[0]["publishedBy"] == "…@ca.example.org"
        mine = c.get("/api/v1/revisions", headers={"Authorization": f"Bearer {token}"}).json()
        notes = {(i["country"], i["revision"]): i["document"].get("notes") for i in mine["items"]}
        assert notes[("CA", 1)] == {"en": f"{SECRET} CA 1"} and notes[("FR", 1)] is None
        only = c.get("/api/v1/revisions", params={"countries": "FR"}).json()["items"]
        assert [i["country"] for i in only] == ["FR", "FR"]
        assert c.get("/api/v1/revisions", params={"schemas": "organism"}).json()["items"] == []
        for params, path in (
            ({"after": "bm90LWEtY3Vyc29y"}, "cursor"),
            ({"after": "eyJkIjoxfQ"}, "cursor"),
            ({"schemas": "lmo"}, "schemas"),
            ({"countries": "Canada"}, "countries"),
        ):
            answer = c.get("/api/v1/revisions", params=params)
            assert answer.status_code == 400, (params, answer.text)
            assert answer.json()["errors"][0]["path"] == path
        assert c.get("/api/v1/revisions", params={"limit": 0}).status_code in (400, 422)
