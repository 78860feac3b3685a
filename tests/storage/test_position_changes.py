"""v2013 offset pages after changes (bch.storage.search.position_changes): a kept ordered list
brought up to date from the change feed equals a fresh walk of the same state, after any mix of
publishes, new revisions and deletions, and a reader never sees a list half updated."""

from __future__ import annotations

import threading
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bch.storage.scope import EVERYTHING
from bch.storage.search import position_changes
from bch.storage.search.contract import Filter, SearchRequest
from bch.storage.search.position_changes import _without
from bch.storage.search.sql import SqlSearch
from bch.storage.tables import lmo_uids
from tests import factories

NAMES = ("Zea mays", "Glycine max", "Oryza sativa", "Solanum tuberosum", "Brassica napus")
ORGANISMS = SearchRequest(
    scope=EVERYTHING, filters=(Filter("column", "schema", "schema", ("organism",)),)
)
WORDS = SearchRequest(scope=EVERYTHING, q="zea")  # matches that depend on the record's text
ORDERS = (
    [("updated", False), ("identifier", False)],  # the harvester's
    [("updated", True), ("identifier", True)],
    [("revision", True), ("schema", False)],  # ties broken by the id
)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.sampled_from(NAMES)),
        st.tuples(st.just("gene"), st.just("")),  # not an organism: no hit
        st.tuples(st.just("revise"), st.sampled_from(NAMES)),
        st.tuples(st.just("delete"), st.just("")),
    ),
    min_size=1,
    max_size=6,
)


def _apply(services, live: list[dict], actions, pick: int) -> None:
    for action, name in actions:
        if action == "publish":
            doc = factories.organism(name)
            services.records.publish(doc, by="test")
            live.append(doc)
        elif action == "gene":
            services.records.publish(factories.organization(), by="test", strict=False)
        elif live and action == "revise":
            doc = {**live[pick % len(live)], "scientificName": name}
            services.records.publish(doc, by="test")
            live[pick % len(live)] = doc
        elif live and action == "delete":
            doc = live.pop(pick % len(live))
            services.records.delete(doc["header"]["identifier"], by="test", reason="test")


def _page(sql: SqlSearch, request, order, start: int, rows: int) -> tuple[int, list[int]]:
    total, found = sql.ordered_ids(request, order, start, rows)
    return total, [r.id for r in found]


def test_an_updated_list_equals_a_fresh_walk(services):
    sql = services.search.sql
    services.records.publish_many([factories.organism(n) for n in NAMES], by="test")
    live: list[dict] = []
    for request in (ORGANISMS, WORDS):
        for order in ORDERS:
            sql.ordered_ids(request, order, 0, 1)  # walked: later pages start from these

    @settings(max_examples=25, deadline=None)
    @given(actions=ACTIONS, pick=st.integers(0, 50), start=st.integers(0, 12))
    def check(actions, pick, start):
        _apply(services, live, actions, pick)
        fresh = SqlSearch(services.search.sql.db)  # nothing kept: walks every hit
        for request in (ORGANISMS, WORDS):
            for order in ORDERS:
                full = _page(sql, request, order, 0, 10_000)
                assert full == _page(fresh, request, order, 0, 10_000)
                assert len(set(full[1])) == full[0] == len(full[1])
                assert _page(sql, request, order, start, 3) == _page(
                    fresh, request, order, start, 3
                )

    walks = sql.positions.walks
    check()
    assert sql.positions.updates > 0  # the lists were updated, not walked again
    assert sql.positions.walks == walks


def test_a_request_whose_matches_depend_on_other_records_is_walked_again(services):
    sql = services.search.sql
    services.records.publish(factories.organism("Zea mays"), by="test")
    request = SearchRequest(scope=EVERYTHING, filters=(Filter("detection", "x", "x", ("false",)),))
    order = ORDERS[0]
    assert sql.ordered_ids(request, order, 0, 10)[0] == 1
    services.records.publish(factories.organism("Glycine max"), by="test")
    assert sql.ordered_ids(request, order, 0, 10)[0] == 2
    assert sql.positions.walks == 2 and sql.positions.updates == 0


def test_too_many_changes_are_walked_again(services, monkeypatch):
    monkeypatch.setattr(position_changes, "MAX_CHANGES", 2)
    sql = services.search.sql
    services.records.publish(factories.organism("Zea mays"), by="test")
    order = ORDERS[0]
    sql.ordered_ids(ORGANISMS, order, 0, 10)
    services.records.publish_many([factories.organism(n) for n in NAMES[1:3]], by="test")
    assert sql.ordered_ids(ORGANISMS, order, 0, 10)[0] == 3  # 2 changes: updated
    assert (sql.positions.walks, sql.positions.updates) == (1, 1)
    services.records.publish_many([factories.organism(n) for n in NAMES[2:5]], by="test")
    assert sql.ordered_ids(ORGANISMS, order, 0, 10)[0] == 6  # 3 changes: walked again
    assert (sql.positions.walks, sql.positions.updates) == (2, 1)


def test_a_kept_list_is_never_changed_in_place(services):
    sql = services.search.sql
    services.records.publish_many([factories.organism(n) for n in NAMES[:3]], by="test")
    key_order = ORDERS[0]
    sql.ordered_ids(ORGANISMS, key_order, 0, 10)
    (held,) = [ids for _state, ids in sql.positions._lists.values()]
    before = array("q", held)
    services.records.publish(factories.organism("Brassica napus"), by="test")
    assert sql.ordered_ids(ORGANISMS, key_order, 0, 10)[0] == 4
    assert sql.positions.updates == 1
    assert held == before  # a reader holding the old list still reads the old state whole


def test_concurrent_readers_see_whole_lists_while_records_are_published(services):
    sql = services.search.sql
    services.records.publish_many([factories.organism(n) for n in NAMES], by="test")
    order = ORDERS[0]
    sql.ordered_ids(ORGANISMS, order, 0, 1)
    problems: list[str] = []
    done = threading.Event()

    def read() -> None:
        seen = 0
        while not done.is_set():
            total, rows = sql.ordered_ids(ORGANISMS, order, 0, 10_000)
            keys = [(r.updated_at.replace(microsecond=0), r.identifier) for r in rows]
            if total != len(rows) or len({r.id for r in rows}) != total:
                problems.append(f"{total} hits, {len(rows)} rows")
            if keys != sorted(keys) or total < seen:
                problems.append(f"out of order or fewer hits ({total} after {seen})")
            seen = total

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        for i in range(12):
            services.records.publish(factories.organism(NAMES[i % len(NAMES)]), by="test")
    finally:
        done.set()
        for t in readers:
            t.join()
    assert problems == []
    assert sql.ordered_ids(ORGANISMS, order, 0, 10_000)[0] == len(NAMES) + 12
    assert sql.positions.updates > 0


def test_ids_are_taken_out_on_their_boundaries_only():
    # on a little-endian machine, the bytes of 5 then 1 hold those of 256 across the two ids
    assert list(_without(array("q", [5, 1, 2**40 + 1, 256, 3]), {256})) == [5, 1, 2**40 + 1, 3]
    assert list(_without(array("q", [5, 1, 3]), {256, 1 << 56})) == [5, 1, 3]
    assert list(_without(array("q", [5, 1, 3]), {5, 3})) == [1]
    many = set(range(100, 140))
    assert list(_without(array("q", range(90, 150)), many)) == [*range(90, 100), *range(140, 150)]


def test_a_kept_detection_list_follows_detection_methods_written_outside_the_feed(loaded_copy):
    """Detection methods change by imports that add no change to the feed (a data mark moves,
    bch.storage.change_mark): a kept list under a `detection` filter is not kept past it."""
    svc = loaded_copy
    sql = svc.search.sql
    lmos = Filter("schema", "schema", "schema", ("modifiedOrganism",))
    without = SearchRequest(
        scope=EVERYTHING, filters=(lmos, Filter("detection", "x", "x", ("false",)))
    )
    order = ORDERS[0]
    total, page = sql.ordered_ids(without, order, 0, 200)
    assert total > 0
    with svc.engine.connect() as conn:
        keyed = dict(
            conn.execute(
                select(lmo_uids.c.document_id, lmo_uids.c.uid_key).where(
                    lmo_uids.c.document_id.in_([r.id for r in page]), lmo_uids.c.kind == "exact"
                )
            ).all()
        )
    target = next(r.id for r in page if r.id in keyed)  # an LMO with a UID and no method
    key = keyed[target]
    method = {
        "source": "eurl_gmff",
        "code": "QL-TEST-KEPT-LIST",
        "method_type": "event-specific",
        "scope": "qualitative",
        "target": "synthetic (test)",
        "lmo_keys": [key],
        "data": {"name": "synthetic method (test)"},
    }
    with svc.db.writing() as conn:
        assert svc.detection_methods.replace(conn, [method]) == 1
    after, again = sql.ordered_ids(without, order, 0, total)
    assert after == total - 1 and target not in [r.id for r in again]
