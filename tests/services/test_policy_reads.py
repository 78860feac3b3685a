"""The read policy reaches every read that is not a search: replace `read_scope` (hide one
country's records, or one record type, from anonymous callers) and the change feed, the bulk
dumps, OAI-PMH, record lists, record pages (404), the links shown on a record and LMOs by UID
follow, on both backends, over the shipped data. Each surface shows exactly the records it
showed before, minus the hidden ones, in the same order. (The search surfaces have their own
test.)"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services import policy
from bch.services.policy import ANONYMOUS, Principal
from bch.storage.scope import EVERYTHING, ReadScope

HIDDEN = {
    "no Canada": ReadScope(hidden_owners=frozenset({"CA"})),
    "no organisms": ReadScope(hidden_schemas=frozenset({"organism"})),
}
OAI = "{http://www.openarchives.org/OAI/2.0/}"
UID = re.compile(r"^(?:oai:[^:]+:)?([A-Z]+)-([A-Z]+)-([A-Z]{2,4})-(\d+)")
Shown = list[tuple[str, str]]  # (owner, schema) of each record shown, in order
SETUP = Principal(user_id=-1)  # finds the records to look at (the replaced policy spares it)


def _owner(country: str | None) -> str:
    return country or "SCBD"


def change_feed(client: TestClient, _svc) -> Shown:
    out, since = [], ""
    while True:
        page = client.get(f"/api/v1/changes?limit=1000&since={since}").json()
        out += [(_owner(i["country"]), i["schema"]) for i in page["items"]]
        if not page["items"]:
            return out
        since = page["next"]


def dumps(client: TestClient, _svc) -> Shown:
    out = []
    for schema in ("organism", "biosafetyDecision", "authority"):
        lines = client.get(f"/api/v1/export/{schema}.ndjson").text.splitlines()
        meta = json.loads(lines[0])["_meta"]
        records = [json.loads(line) for line in lines[1:]]
        assert meta["records"] == len(records)
        out += [(_owner(r["country"]), r["schema"]) for r in records]
    return out


def oai_pmh(client: TestClient, _svc) -> Shown:
    out, args = [], "verb=ListIdentifiers&metadataPrefix=oai_dc"
    while True:
        root = ET.fromstring(client.get(f"/oai?{args}").content)
        for header in root.iter(f"{OAI}header"):
            owner = UID.match(header.findtext(f"{OAI}identifier") or "").group(3)
            specs = [s.text or "" for s in header.iter(f"{OAI}setSpec")]
            out.append((owner, next(s[7:] for s in specs if s.startswith("schema:"))))
        token = root.findtext(f".//{OAI}resumptionToken")
        if not token:
            return out
        args = f"verb=ListIdentifiers&resumptionToken={token}"


def record_list(_client, svc) -> Shown:
    out, cursor = [], None
    while True:
        page = svc.records.list(cursor=cursor, limit=1000, principal=ANONYMOUS)
        out += [(d.owner, d.schema) for d in page.items]
        if not page.next:
            return out
        cursor = page.next


def _samples(svc) -> list[str]:
    """UIDs of an LMO (MON810), an organism, and a Canadian decision and authority."""
    lmo = svc.lmos.find("MON-00810-6", SETUP).record.doc
    organism = next(
        d
        for d in svc.records.list(schema="organism", limit=1000, principal=SETUP).items
        if "Zea" in str(d.title)
    )
    canadian = [
        svc.records.list(schema=schema, country="CA", limit=1, principal=SETUP).items[0]
        for schema in ("biosafetyDecision", "authority")
    ]
    return [f"{d.uid_base}-{d.latest_revision}" for d in (lmo, organism, *canadian)]


def record_pages(client: TestClient, svc) -> Shown:
    out = []
    for uid in _samples(svc):
        r = client.get(f"/api/v1/records/{uid}")
        assert r.status_code in (200, 404), r.text
        if r.status_code == 200:
            out.append((_owner(r.json()["country"]), r.json()["schema"]))
    return out


def record_links(client: TestClient, svc) -> Shown:
    """What MON810's record lists as referencing it (decisions of several countries, stacks)."""
    body = client.get(f"/api/v1/records/{_samples(svc)[0]}").json()
    return [(_owner(e["country"]), e["schema"]) for e in body["referencedBy"]]


def lmo_by_uid(client: TestClient, _svc) -> Shown:
    """MON810 by its OECD UID: the LMO, its decisions, and the decision matrix's decisions."""
    body = client.get("/api/v1/lmos/MON-00810-6").json()
    matrix = client.get("/api/v1/lmos/MON-00810-6/decisions").json()
    out = [(_owner(body["country"]), body["schema"])]
    out += [(_owner(d["country"]), d["schema"]) for d in body["decisions"]]
    for row in matrix["countries"]:
        out += [(_owner(d["country"]), d["schema"]) for d in row["decisions"]]
    return out


# what an LMO's page shows references it: no organism record does, nothing there to hide
NOTHING_TO_HIDE = {("LMO by UID", "no organisms"), ("record links", "no organisms")}

SURFACES: dict[str, Callable[[TestClient, object], Shown]] = {
    "change feed": change_feed,
    "dumps": dumps,
    "OAI-PMH": oai_pmh,
    "record list": record_list,
    "record pages": record_pages,
    "record links": record_links,
    "LMO by UID": lmo_by_uid,
}


def replace_policy(monkeypatch, scope: ReadScope) -> None:
    """`read_scope` gives `scope` to anonymous callers, wherever a module took the function."""
    original = policy.read_scope

    def read_scope(principal):
        return scope if principal.is_anonymous else EVERYTHING

    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if name.startswith("bch") and getattr(module, "read_scope", None) is original:
            monkeypatch.setattr(module, "read_scope", read_scope)


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


CASES = [(s, h) for s in sorted(SURFACES) for h in sorted(HIDDEN) if (s, h) not in NOTHING_TO_HIDE]


@pytest.mark.parametrize(("surface", "hidden"), CASES)
def test_every_read_follows_the_read_policy(client, loaded, monkeypatch, surface, hidden):
    show, scope = SURFACES[surface], HIDDEN[hidden]
    before = show(client, loaded)
    assert any(not scope.allows(owner, schema) for owner, schema in before), (
        "the hidden slice must be there for callers the policy does not restrict"
    )
    replace_policy(monkeypatch, scope)
    after = show(client, loaded)
    assert after, "the rest is still shown"
    assert after == [(o, s) for o, s in before if scope.allows(o, s)]
