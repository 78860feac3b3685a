"""The in-memory bitmap index behind search: it answers like the SQL search it replaces, follows
every publish, revision and deletion (also those of another process), recovers from a database
that was reset, and pages by relevance without skipping or repeating while records are written.
Both backends."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from bch.api.app import create_app
from bch.services.container import Services
from bch.services.search import SearchQuery, SearchService
from bch.storage import bitmap_index
from bch.storage.text_tokens import query_words, text_tokens
from tests import factories
from tests.waiting import until

# Filters, facets and words of the shipped data that both engines must answer identically.
CASES = [
    SearchQuery(filters={"schema": ["modifiedOrganism"]}, facets=["trait", "organism"]),
    SearchQuery(filters={"decisionScope": ["food"]}, facets=["decisionResult", "country"]),
    SearchQuery(
        filters={"decisionDateFrom": ["2005-01-01"], "decisionDateTo": ["2012-12-31"]},
        facets=["schema", "decisionScope"],
    ),
    SearchQuery(filters={"decisionDateFrom": ["20080101"]}, facets=["decisionResult"]),
    SearchQuery(filters={"hasDetectionMethod": ["true"]}, facets=["hasDetectionMethod"]),
    SearchQuery(filters={"hasDetectionMethod": ["false"], "schema": ["modifiedOrganism"]}),
    SearchQuery(filters={"lmoUid": ["MON-ØØ81Ø-6"]}, facets=["schema"]),
    SearchQuery(filters={"country": ["ca", "SCBD"], "realm": ["BCH"]}, facets=["country"]),
    SearchQuery(filters={"updatedFrom": ["2000-01-01"]}, facets=["realm"]),
    SearchQuery(q="maize", filters={"trait": ["dnaSequenceTraits.herbicides"]}, facets=["trait"]),
    SearchQuery(q="glyphosate", facets=["schema", "organism"]),
    SearchQuery(q="Brassica napus", facets=["schema"]),
    SearchQuery(q="MON810", facets=["schema"]),
    SearchQuery(q="approved feed", facets=["decisionScope"]),
]


def _walk(
    search: SearchService, query: SearchQuery, sort: str = "id"
) -> tuple[list[int], int | None, dict]:
    ids: list[int] = []
    query = SearchQuery(**{**query.__dict__, "sort": sort, "limit": 97, "include_total": True})
    first = search.search(query)
    result = first
    while True:
        ids += [d.id for d in result.items]
        if not result.next:
            return ids, first.total, first.facets
        query = SearchQuery(**{**query.__dict__, "cursor": result.next})
        result = search.search(query)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_bitmap_and_sql_searches_give_the_same_answers(loaded, case):
    bitmaps = loaded.search
    assert bitmaps.index is not None
    sql = SearchService(loaded.db, loaded.registry, index=None)
    ids, total, facets = _walk(bitmaps, CASES[case])
    want_ids, want_total, want_facets = _walk(sql, CASES[case])
    assert bitmaps.index.status == "ready"
    assert total == want_total == len(ids) > 0
    assert ids == want_ids
    assert facets == want_facets


@pytest.mark.parametrize("sort", ["title", "-updatedAt"])
def test_other_orders_with_words_page_exactly_the_hits(loaded, sort):
    query = SearchQuery(q="maize herbicide", filters={"schema": ["modifiedOrganism"]})
    by_id, total, _ = _walk(loaded.search, query)
    ordered, _, _ = _walk(loaded.search, query, sort)
    assert len(ordered) == len(set(ordered)) == total > 20
    assert set(ordered) == set(by_id)


def _titles(svc: Services, q: str) -> list[str]:
    found = svc.search.search(SearchQuery(q=q, facets=["schema"], include_total=True))
    return sorted(d.title["en"] for d in found.items)


def test_the_index_follows_publish_revision_and_delete(services):
    assert _titles(services, "zea") == []  # builds the (empty) index
    doc = factories.organism("Zea mays")
    services.records.publish(doc, by="test")
    assert _titles(services, "zea") == ["Zea mays"]
    services.records.publish({**doc, "scientificName": "Glycine max"}, by="test")
    assert _titles(services, "zea") == []
    assert _titles(services, "glycine") == ["Glycine max"]
    found = services.search.search(SearchQuery(facets=["schema"], include_total=True))
    assert found.total == 1 and found.facets["schema"] == [("organism", 1)]
    services.records.delete(doc["header"]["identifier"], by="test", reason="test")
    assert _titles(services, "glycine") == []
    found = services.search.search(SearchQuery(facets=["schema"], include_total=True))
    assert found.total == 0 and found.facets["schema"] == []


def _contents(index: bitmap_index.BitmapIndex) -> tuple:
    facets = {
        f: {v: list(bm) for v, bm in values.items() if bm} for f, values in index.facets.items()
    }
    return (
        list(index.live),
        {w: list(bm) for w, bm in index.words.items()},
        {w: list(bm) for w, bm in index.title_words.items()},
        {f: values for f, values in facets.items() if values},
    )


def test_the_synced_index_is_the_index_built_anew(services):
    """Publishes of new records (which take nothing out of the postings), a revision and a
    deletion, each synced after prefix searches sorted the words: the index equals one built
    from the database, and its kept word order is the words' order."""
    assert _titles(services, "zea") == []
    doc = factories.organism("Zea mays")
    for name in ("Zea mays", "Zeanthus alpha", "Glycine max"):
        services.records.publish(factories.organism(name), by="test")
        assert _titles(services, "zea")  # sorts the words, then syncs the next publish
    services.records.publish(doc, by="test")
    services.records.publish({**doc, "scientificName": "Oryza sativa"}, by="test")
    assert _titles(services, "oryza") == ["Oryza sativa"]
    services.records.delete(doc["header"]["identifier"], by="test", reason="test")
    assert _titles(services, "oryza") == []
    with services.search.index.use() as index, services.engine.connect() as conn:
        assert _contents(index) == _contents(bitmap_index.BitmapIndex.build(conn))
        for postings in (index.words, index.title_words):
            kept = index._sorted.get(id(postings))
            assert kept is None or kept == sorted(postings)
        assert index._sorted.get(id(index.words)) is not None


def test_nothing_committed_means_no_look_at_the_index(services, monkeypatch):
    """While the latest change (the read cache's cheap look) stays the same, a search does not
    ask the database whether the index is behind; a publish makes the next search ask."""
    services.records.publish(factories.organism("Zea mays"), by="test")
    assert _titles(services, "zea") == ["Zea mays"]
    looks: list[int] = []
    real = bitmap_index.last_change
    monkeypatch.setattr(bitmap_index, "last_change", lambda conn: looks.append(1) or real(conn))
    assert _titles(services, "zea") == ["Zea mays"]
    assert looks == []
    services.records.publish(factories.organism("Zea diploperennis"), by="test")
    assert _titles(services, "zea") == ["Zea diploperennis", "Zea mays"]
    assert looks == [1]


def test_an_answer_is_kept_until_a_change_touches_its_hits(services):
    """The same search at the same state of its hits gives the kept answer (the same object);
    a publish that is not a hit keeps it; a new hit, a hit's revision and a hit's deletion
    give a new answer with them."""
    zea = factories.organism("Zea mays")
    services.records.publish(zea, by="test")
    query = SearchQuery(q="zea", facets=["schema"], include_total=True, limit=5)
    first = services.search.search(query)
    kept = services.search.bitmaps.answers
    assert services.search.search(query).items is first.items
    services.records.publish(factories.organism("Glycine max"), by="test")  # not a hit
    again = services.search.search(query)
    assert again.items is first.items and kept.hits >= 2
    services.records.publish(factories.organism("Zea diploperennis"), by="test")
    grown = services.search.search(query)
    assert grown.total == 2 and grown.facets["schema"] == [("organism", 2)]
    services.records.publish({**zea, "scientificName": "Zea mays subsp. mays"}, by="test")
    revised = services.search.search(query)  # the same hits, one of them changed
    assert sorted(d.title["en"] for d in revised.items) == [
        "Zea diploperennis",
        "Zea mays subsp. mays",
    ]
    services.records.delete(zea["header"]["identifier"], by="test", reason="test")
    left = services.search.search(query)
    assert [d.title["en"] for d in left.items] == ["Zea diploperennis"] and left.total == 1


def test_writes_of_another_process_are_seen(services):
    other = Services.open(services.engine.url.render_as_string(hide_password=False))
    try:
        assert _titles(services, "oryza") == []
        other.records.publish(factories.organism("Oryza sativa"), by="other process")
        assert _titles(services, "oryza") == ["Oryza sativa"]
    finally:
        other.close()


def test_a_reset_database_is_indexed_again(services):
    services.records.publish(factories.organism("Zea mays"), by="test")
    assert _titles(services, "zea") == ["Zea mays"]
    index = services.search.index._index
    assert index is not None and index.seq == 1
    # the same change number, another database state (a restored backup, a reset test database)
    index.mark = (1, -1, 1, None)
    services.records.publish(factories.organism("Glycine max"), by="test")
    assert _titles(services, "glycine") == ["Glycine max"]
    assert services.search.index._index is not index  # rebuilt, not patched


def test_a_large_database_is_indexed_in_the_background(services, monkeypatch):
    services.records.publish_many(
        [factories.organism(n) for n in ("Zea mays", "Zea diploperennis", "Glycine max")],
        by="test",
    )
    monkeypatch.setattr(bitmap_index, "BUILD_IN_REQUEST_MAX", 0)
    release = threading.Event()
    real_build = bitmap_index.BitmapIndex.build.__func__

    def slow_build(cls, conn):
        release.wait(30)
        return real_build(cls, conn)

    monkeypatch.setattr(bitmap_index.BitmapIndex, "build", classmethod(slow_build))
    query = SearchQuery(q="zea", limit=1, include_total=True)
    first = services.search.search(query)  # answered from SQL while the index builds
    assert services.search.index.status == "building"
    assert first.total == 2 and len(first.items) == 1 and first.next
    release.set()
    until(lambda: services.search.index.status == "ready", "the background build")
    # a cursor of the SQL answer goes on in SQL; a new search uses the index
    rest = services.search.search(SearchQuery(q="zea", limit=1, cursor=first.next))
    assert len(rest.items) == 1 and rest.items[0].id != first.items[0].id
    again = services.search.search(query)
    assert again.total == 2 and again.next != first.next


def test_relevance_paging_during_writes_neither_skips_nor_repeats(services):
    # Zea records carry "zea" in their title (first tier); the Glycine ones only in the text
    def zea(i: int, ident: str | None = None) -> dict:
        return factories.organism("Zea mays", identifier=ident, commonNames={"en": f"maize {i}"})

    def glycine(i: int, ident: str | None = None) -> dict:
        return factories.organism(
            "Glycine max", identifier=ident, commonNames={"en": f"soy, not zea {i}"}
        )

    seeded = [zea(i) if i % 2 else glycine(i) for i in range(40)]
    services.records.publish_many(seeded, by="test")
    existing = {d["header"]["identifier"]: d["scientificName"] for d in seeded}
    idents = list(existing)
    error: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(30):
                services.records.publish(zea(100 + i) if i % 2 else glycine(100 + i), by="w")
                ident = idents[i % len(idents)]  # a new revision, same title
                make = zea if existing[ident] == "Zea mays" else glycine
                services.records.publish(make(200 + i, ident), by="w")
        except BaseException as exc:
            error.append(exc)

    writer = threading.Thread(target=write, daemon=True)
    start = services.changes.last_sequence()
    with TestClient(create_app(services)) as client:
        writer.start()
        seen: list[tuple[str, str]] = []
        url = "/api/v1/records?q=zea&sort=relevance&limit=6"
        while url:
            time.sleep(0.02)
            body = client.get(url).json()
            seen += [(i["identifier"], i["title"]["en"]) for i in body["items"]]
            url = f"/api/v1/records?q=zea&sort=relevance&limit=6&cursor={body['next']}"
            url = url if body["next"] else None
        writer.join(timeout=60)
    assert not error
    assert services.changes.last_sequence() - start > 0
    idents_seen = [i for i, _ in seen]
    assert len(idents_seen) == len(set(idents_seen))  # no repeats
    assert set(existing) <= set(idents_seen)  # nothing that existed throughout was skipped
    titles = [t for _, t in seen]
    first_glycine = titles.index("Glycine max")
    assert set(titles[:first_glycine]) == {"Zea mays"}  # title matches first
    assert "Zea mays" not in titles[first_glycine:]


def test_words_stems_diacritics_and_chinese():
    english = text_tokens("en", "Herbicides tolerant maize; Café")
    assert {"herbicides", "maize", "cafe"} <= english
    assert "\x1fen\x1fherbicid" in english  # the English stem, in the English namespace
    french = text_tokens("fr", "Maïs tolérant aux herbicides")
    assert {"mais", "tolerant"} <= french and "\x1ffr\x1fherbicid" in french
    assert {"转基", "基因", "因玉", "玉米"} <= text_tokens("zh", "转基因玉米")
    word = query_words("转基因")[0]
    assert word.exact == ("转基", "基因") and not word.prefixes
    # a query word never matches a language namespace by its letters
    prefixes = query_words("en")[0].prefixes
    assert prefixes and all(p.startswith("\x1f") or p == "en" for p in prefixes)
    assert len(query_words(" ".join(f"w{i}" for i in range(40)))) == 16


def test_stems_find_other_forms(services):
    services.records.publish(factories.organism("Zea mays", commonNames={"en": "tolerances"}))
    assert _titles(services, "tolerance") == ["Zea mays"]
    assert _titles(services, "tol") == ["Zea mays"]  # a prefix
    assert _titles(services, "tolerance glycine") == []  # every word must match


def _wait_ready(services: Services) -> None:
    services.search.search(SearchQuery(q="zea", limit=1))  # starts the background build
    until(lambda: services.search.index.status == "ready", "the background build")


def test_a_large_index_is_saved_and_loaded_by_the_next_server(tmp_path, monkeypatch):
    monkeypatch.setattr(bitmap_index, "BUILD_IN_REQUEST_MAX", 0)
    url = f"sqlite:///{tmp_path / 'bch.db'}"
    first = Services.open(url)
    first.records.publish(factories.organism("Zea mays"), by="test")
    _wait_ready(first)
    snapshot = tmp_path / "bch.db.search-index"
    assert first.search.index.origin == "built" and snapshot.exists()
    first.records.publish(factories.organism("Zea diploperennis"), by="test")  # after the save
    first.close()

    second = Services.open(url)
    _wait_ready(second)
    assert second.search.index.origin == "snapshot"
    assert _titles(second, "zea") == ["Zea diploperennis", "Zea mays"]  # caught up
    second.close()

    snapshot.write_bytes(b"not a snapshot")
    third = Services.open(url)
    _wait_ready(third)
    assert third.search.index.origin == "built"  # a damaged snapshot is rebuilt, not trusted
    assert _titles(third, "zea") == ["Zea diploperennis", "Zea mays"]
    from bch.services.reindex import reindex

    assert snapshot.exists()
    reindex(third)
    assert not snapshot.exists()  # derived rows rewritten: the saved index is stale
    third.close()


FACETS = ["schema", "country", "trait", "organism", "decisionScope", "decisionResult", "uses"]


@st.composite
def filter_sets(draw, values: dict[str, list[str]]) -> dict[str, list[str]]:
    chosen = draw(st.lists(st.sampled_from(sorted(values)), max_size=3, unique=True))
    out = {}
    for name in chosen:
        out[name] = draw(st.lists(st.sampled_from(values[name]), min_size=1, max_size=3))
    if draw(st.booleans()):
        out["hasDetectionMethod"] = [draw(st.sampled_from(["true", "false"]))]
    return out


def test_any_filters_and_facets_count_the_same_in_both_engines(loaded):
    """Property: for random combinations of real facet values (OR within a field, AND across
    fields), both engines give the same total, facet counts and first page."""
    sql = SearchService(loaded.db, loaded.registry, index=None)
    seed = loaded.search.search(SearchQuery(facets=FACETS, limit=1))
    values = {name: [v for v, _ in counts] for name, counts in seed.facets.items() if counts}

    @settings(max_examples=40, deadline=None)
    @given(filters=filter_sets(values), facets=st.lists(st.sampled_from(FACETS), max_size=3))
    def check(filters, facets):
        query = SearchQuery(filters=filters, facets=facets, include_total=True, sort="-id")
        got, want = loaded.search.search(query), sql.search(query)
        assert got.total == want.total
        assert got.facets == want.facets
        assert [d.id for d in got.items] == [d.id for d in want.items]

    check()


def test_forged_cursors_are_clear_400s(loaded):
    """Cursors are opaque but readable: any value a client may put in one gets a 400 or a
    page, never a 500."""
    import base64
    import json

    with TestClient(create_app(loaded)) as client:
        url = "/api/v1/records?q=maize&limit=5"
        token = client.get(url).json()["next"]
        position = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        assert position["e"] == "b"

        @settings(max_examples=60, deadline=None)
        @given(
            key=st.sampled_from(["i", "k"]),
            value=st.one_of(
                st.none(),
                st.booleans(),
                st.integers(min_value=-(2**70), max_value=2**70),
                st.floats(allow_nan=True, allow_infinity=True),
                st.text(max_size=5),
                st.lists(st.integers(), max_size=2),
            ),
        )
        def check(key, value):
            forged = {**position, key: value}
            raw = json.dumps(forged).encode()  # NaN and Infinity as Python writes them
            cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
            r = client.get(f"{url}&cursor={cursor}")
            assert r.status_code in (200, 400), r.text
            if r.status_code == 400:
                assert "cursor" in r.json()["message"]

        check()


def test_a_failed_sync_answers_from_sql_and_rebuilds(services, monkeypatch):
    services.records.publish(factories.organism("Zea mays"), by="test")
    assert _titles(services, "zea") == ["Zea mays"]
    services.records.publish(factories.organism("Zea diploperennis"), by="test")

    def broken(self, conn, upto):
        raise RuntimeError("the database went away mid-sync")

    with monkeypatch.context() as patch:
        patch.setattr(bitmap_index.BitmapIndex, "apply_changes", broken)
        assert _titles(services, "zea") == ["Zea diploperennis", "Zea mays"]  # from SQL
        assert services.search.index._index is None
    assert _titles(services, "zea") == ["Zea diploperennis", "Zea mays"]  # rebuilt
    assert services.search.index.status == "ready"
