"""National nodes (issue 12): a mirrored record is shown as the central has it. Its createdAt,
updatedAt and publishedAt are the central's (not the moment the node copied it) on every
surface (record API and /info, search listing, Atom feed, OAI-PMH datestamps, the v2013 index,
the change feed), whether it came with the first copy (the dumps) or later through the feed,
and it carries the validation warnings the central computed at its publish. A real central on
loopback; the node's database is each backend in turn."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient
from sqlalchemy import update

from bch.api.app import create_app
from bch.services.container import Services
from bch.storage.tables import changes, documents, revisions
from tests import factories
from tests.nodes.test_node_sync import _node, _seed
from tests.nodes.test_node_sync import central as central  # the fixture: a central on loopback

OAI = "http://www.openarchives.org/OAI/2.0/"
ATOM = "{http://www.w3.org/2005/Atom}"


def _backdate(svc: Services, identifiers: list[str], days: int) -> None:
    """Records published long ago on the central (its own rows, consistent: each record's
    times, its revisions' and its changes' move back together)."""
    with svc.engine.begin() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                documents.select().where(documents.c.identifier.in_(identifiers))
            ).all()
        ]
        for table, column, key in (
            (documents, "created_at", "id"),
            (documents, "updated_at", "id"),
            (documents, "deleted_at", "id"),
            (revisions, "created_at", "document_id"),
            (changes, "at", "document_id"),
        ):
            rows = conn.execute(
                table.select().where(table.c[key].in_(ids))
            ).mappings().all()  # fmt: skip
            for row in (r for r in rows if r[column] is not None):
                moved = row[column].replace(tzinfo=UTC) - timedelta(days=days, seconds=row[key])
                where = [c == row[c.key] for c in table.primary_key.columns]
                conn.execute(update(table).where(*where).values({column: moved}))
    svc.read_cache.forget(None, svc.changes.last_sequence())  # rows changed behind its back


def _surfaces(svc: Services, identifiers: list[str]) -> dict[str, object]:
    """What every read surface says of these records' times and warnings."""
    out: dict[str, object] = {}
    with TestClient(create_app(svc)) as client:
        for identifier in identifiers:
            r = client.get(f"/api/v1/records/{identifier}").json()
            out[f"api {identifier}"] = (
                r["id"], r["createdAt"], r["updatedAt"], r["publishedAt"], r["warnings"]
            )  # fmt: skip
            info = client.get(f"/api/v1/records/{identifier}/info").json()
            out[f"info {identifier}"] = (info["createdAt"], info["updatedAt"], info["publishedAt"])
        listed = client.get("/api/v1/records", params={"limit": 100, "sort": "-updatedAt"}).json()
        out["list"] = [(i["identifier"], i["updatedAt"]) for i in listed["items"]]
        atom = ET.fromstring(client.get("/api/v1/feeds/records.atom").content)
        out["atom"] = sorted(
            (e.findtext(f"{ATOM}id"), e.findtext(f"{ATOM}updated"), e.findtext(f"{ATOM}published"))
            for e in atom.iter(f"{ATOM}entry")
        )
        oai = ET.fromstring(
            client.get(
                "/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
            ).content
        )
        out["oai"] = sorted(
            (h.findtext(f"{{{OAI}}}identifier"), h.findtext(f"{{{OAI}}}datestamp"))
            for h in oai.iter(f"{{{OAI}}}header")
        )
        v2013 = client.get(
            "/api/v2013/index/select",
            params={"q": "*:*", "fl": "identifier_s,updatedDate_dt,createdDate_dt", "rows": 100,
                    "wt": "json"},
        ).json()  # fmt: skip
        out["v2013"] = sorted(
            (d["identifier_s"], d.get("updatedDate_dt"), d.get("createdDate_dt"))
            for d in v2013["response"]["docs"]
        )
        feed = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
        last = {e["identifier"]: (e["action"], e["revision"], e["at"]) for e in feed}
        out["changes"] = sorted(last.items())
    return out


def _ages(svc: Services, identifiers: list[str]) -> list[datetime]:
    with TestClient(create_app(svc)) as client:
        return [
            datetime.fromisoformat(client.get(f"/api/v1/records/{i}").json()["updatedAt"])
            for i in identifiers
        ]


def test_a_node_shows_the_centrals_times_and_warnings(services, central):
    ids = _seed(central.svc, 4)
    # published without a mandatory field (strict=False): the central keeps warnings
    loose = factories.authority("CA")
    loose.pop("cpbOrganismTypes")
    published = central.svc.records.publish(loose, by="t", strict=False)
    assert published.warnings  # what the test relies on
    ids.append(loose["header"]["identifier"])
    _backdate(central.svc, ids, days=400)
    node = _node(services, central)
    node.node.sync_once()  # the first copy: the dumps
    now = datetime.now(UTC)
    assert all(now - t > timedelta(days=399) for t in _ages(node, ids))  # not copy times
    assert _surfaces(node, ids) == _surfaces(central.svc, ids)

    # through the feed: a new revision, a deletion, a new record (then backdated on the central
    # before the node copies them: the node must take the central's times, not its own)
    central.svc.records.publish(
        factories.organism("Zea mays", identifier=ids[0], commonNames={"en": "maize"}), by="t"
    )
    central.svc.records.delete(ids[1], reason="duplicate record", by="t")
    fresh = factories.organism("Brassica napus")
    central.svc.records.publish(fresh, by="t")
    later = [ids[0], ids[1], fresh["header"]["identifier"]]
    _backdate(central.svc, later, days=30)
    report = node.node.sync_once()
    assert report.applied == 3
    live = [i for i in ids + later[2:] if i != ids[1]]
    assert _surfaces(node, live) == _surfaces(central.svc, live)
    with TestClient(create_app(node)) as n, TestClient(create_app(central.svc)) as c:
        gone_n, gone_c = (x.get(f"/api/v1/records/{ids[1]}") for x in (n, c))
        assert gone_n.status_code == gone_c.status_code == 410
        assert gone_n.json() == gone_c.json()  # the tombstone, with the central's deletedAt
        # the record page shows the central's date of the revision
        page_n, page_c = (x.get(f"/en/records/{ids[0]}").text for x in (n, c))
        published = re.compile(r"Published ([^<\n]+)")
        assert published.findall(page_n) == published.findall(page_c) != []


def _who(client: TestClient, identifier: str) -> dict[str, object]:
    """Who each surface says created, updated and published the record, and each revision."""
    info = client.get(f"/api/v1/records/{identifier}/info").json()
    record = client.get(f"/api/v1/records/{identifier}").json()
    v2013 = client.get(f"/api/v2013/documents/{identifier}/info").json()
    versions = client.get(f"/api/v2013/documents/{identifier}/versions").json()
    history = client.get(f"/en/records/{identifier}/history").text
    return {
        "info": (info["updatedBy"], info["publishedBy"]),
        "record": record["publishedBy"],
        "v2013": (v2013["submittedBy"], v2013["updatedBy"]),
        "revisions": {v["revision"]: v["submittedBy"]["displayName"] for v in versions},
        "history": re.findall(r"<td>(…@[^<]+)</td>", history),
        "created": (info["createdBy"], v2013["createdBy"]),
    }


def test_a_node_shows_who_published_each_revision_it_holds(services, central):
    """The central's publisher of each revision (its public form: the account's domain), not the
    node's sync account, on /info, the record, v2013 /info and /versions and the history page;
    for revisions that came with the dumps, through the feed, and before the bootstrap (the
    central's older revisions, copied after it: bch.services.node_history)."""
    revised = factories.authority("CA")
    central.svc.records.publish(revised, by="alice@ca.example.org")
    revised["name"] = {"en": "Authority (second)", "fr": "Autorité (deuxième)"}
    central.svc.records.publish(revised, by="bob@gc.example.ca")
    single = factories.organism("Zea mays")
    central.svc.records.publish(single, by="carol@scbd.example.int")
    node = _node(services, central)
    node.node.sync_once()  # the dumps
    revised["name"] = {"en": "Authority (third)", "fr": "Autorité (troisième)"}
    central.svc.records.publish(revised, by="dave@ca.example.org")
    fresh = factories.organism("Glycine max")
    central.svc.records.publish(fresh, by="erin@example.net")
    assert node.node.sync_once().applied == 2  # the feed
    with TestClient(create_app(node)) as n, TestClient(create_app(central.svc)) as c:
        for doc in (single, fresh):
            ident = doc["header"]["identifier"]
            mine, theirs = _who(n, ident), _who(c, ident)
            assert mine == theirs and "node-sync" not in str(mine), ident
        ident = revised["header"]["identifier"]
        mine, theirs = _who(n, ident), _who(c, ident)
        assert mine == theirs
        assert mine["info"] == ("…@ca.example.org", "…@ca.example.org")
        assert mine["revisions"] == {
            1: "…@ca.example.org",
            2: "…@gc.example.ca",
            3: "…@ca.example.org",
        }
