"""The read policy generates the filter every engine applies: replace `read_scope` (hide one
country's records, or one record type, from anonymous callers) and v1 search (the bitmap engine
and the SQL engine), its facet counts and totals, v2013 (its pages and its facets), the change
feed, the bulk dumps and OAI-PMH all follow, on both backends, over the shipped data: each shows
exactly what it showed before minus the hidden records, in the same order."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.search import SearchQuery, SearchService
from tests.services.test_policy_reads import (
    HIDDEN,
    Shown,
    _owner,
    change_feed,
    dumps,
    oai_pmh,
    replace_policy,
)

SCHEMAS = ["modifiedOrganism", "biosafetyDecision", "organism", "authority"]


def v1_search(client: TestClient, svc) -> Shown:
    """Every record through GET /api/v1/records (the bitmap engine), a word and a filter."""
    out = []
    for base in ("/api/v1/records?limit=1000&sort=id", "/api/v1/records?q=maize&limit=97"):
        url = base
        while url:
            body = client.get(url).json()
            out += [(_owner(i["country"]), i["schema"]) for i in body["items"]]
            url = f"{base}&cursor={body['next']}" if body["next"] else ""
    assert svc.search.index is not None and svc.search.index.status == "ready"
    return out


def _engine_pages(engine: SearchService) -> Shown:
    out = []
    for q in (None, "maize"):
        cursor = None
        while True:
            page = engine.search(SearchQuery(q=q, sort="id", limit=1000, cursor=cursor))
            out += [(d.owner, d.schema) for d in page.items]
            if not page.next:
                break
            cursor = page.next
    return out


def v1_search_sql(_client, svc) -> Shown:
    return _engine_pages(SearchService(svc.db, svc.registry, index=None))


def _facet_rows(engine: SearchService) -> Shown:
    """(country, schema) as many times as the country facet counts it, per schema; plus the
    schema facet and totals (as SCBD rows of the schema, to compare in one list)."""
    out: Shown = []
    for schema in SCHEMAS:
        found = engine.search(
            SearchQuery(filters={"schema": [schema]}, facets=["country"], include_total=True)
        )
        out += [(country, schema) for country, n in found.facets["country"] for _ in range(n)]
        assert found.total == sum(n for _, n in found.facets["country"])
    return out


def v1_facets(_client, svc) -> Shown:
    assert svc.search.index is not None
    return _facet_rows(svc.search)


def v1_facets_sql(_client, svc) -> Shown:
    return _facet_rows(SearchService(svc.db, svc.registry, index=None))


def v2013(client: TestClient, _svc) -> Shown:
    """A harvester's pages (answered by the engine) and a query evaluated on the engine's hits."""
    out = []
    for q in ("*:*", "schema_s:organism OR government_s:ca"):
        start = 0
        while True:
            params = {"q": q, "fl": "government_s,schema_s", "rows": 500, "start": start}
            docs = client.get("/api/v2013/index/select", params=params).json()["response"]["docs"]
            out += [(d.get("government_s", "scbd").upper(), d["schema_s"]) for d in docs]
            if len(docs) < 500:
                break
            start += 500
    return out


def v2013_facets(client: TestClient, _svc) -> Shown:
    """The schema facet of Canada's records and of the reference records (no government)."""
    out = []
    for owner, fq in (("CA", "government_s:ca"), ("SCBD", "*:* -government_s:*")):
        params = {
            "q": "*:*",
            "fq": fq,
            "rows": 0,
            "facet": "true",
            "facet.field": "schema_s",
            "facet.mincount": 1,
        }
        body = client.get("/api/v2013/index/select", params=params).json()
        pairs = body["facet_counts"]["facet_fields"]["schema_s"]
        out += [(owner, s) for s, n in zip(pairs[::2], pairs[1::2], strict=True) for _ in range(n)]
    return out


SURFACES: dict[str, Callable[[TestClient, object], Shown]] = {
    "v1 search (bitmaps)": v1_search,
    "v1 search (SQL)": v1_search_sql,
    "v1 facets and totals (bitmaps)": v1_facets,
    "v1 facets and totals (SQL)": v1_facets_sql,
    "v2013": v2013,
    "v2013 facets": v2013_facets,
    "change feed": change_feed,
    "dumps": dumps,
    "OAI-PMH": oai_pmh,
}


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


@pytest.mark.parametrize("hidden", sorted(HIDDEN))
def test_every_surface_follows_a_changed_policy(client, loaded, monkeypatch, hidden):
    scope = HIDDEN[hidden]
    before = {name: show(client, loaded) for name, show in SURFACES.items()}
    for name, shown in before.items():
        assert any(not scope.allows(o, s) for o, s in shown), f"{name}: nothing to hide"
    replace_policy(monkeypatch, scope)
    for name, show in SURFACES.items():
        after = show(client, loaded)
        assert after, name
        assert after == [(o, s) for o, s in before[name] if scope.allows(o, s)], name
