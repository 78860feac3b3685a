"""v2013 offset pages (bch.storage.search.positions): a request's hits are walked once; a publish
moves the state and the next page sees the new record (the kept list updated from the change
feed, tests/storage/test_position_changes.py)."""

from __future__ import annotations

from bch.storage.scope import EVERYTHING
from bch.storage.search.contract import Filter, SearchRequest
from bch.storage.search.positions import Positions
from tests import factories

ORDER = [("updated", False), ("identifier", False)]


def test_a_request_is_walked_once_then_updated(services):
    services.records.publish_many(
        [factories.organism(n) for n in ("Zea mays", "Glycine max", "Oryza sativa")], by="test"
    )
    sql = services.search.sql
    request = SearchRequest(
        scope=EVERYTHING, filters=(Filter("column", "schema", "schema", ("organism",)),)
    )
    total, first = sql.ordered_ids(request, ORDER, 0, 2)
    again, rest = sql.ordered_ids(request, ORDER, 2, 10)
    assert sql.positions.walks == 1 and total == again == 3
    assert len(first) == 2 and len(rest) == 1
    names = [r.identifier for r in first + rest]
    assert len(set(names)) == 3
    services.records.publish_many([factories.organism("Solanum tuberosum")], by="test")
    after, rows = sql.ordered_ids(request, ORDER, 0, 10)
    assert sql.positions.walks == 1 and sql.positions.updates == 1 and after == 4
    assert len(rows) == 4 and set(names) < {r.identifier for r in rows}


def test_positions_keep_a_bounded_number_of_ids():
    positions = Positions(max_entries=2, max_ids=5)
    positions.ordered("a", 1, lambda: [(1,), (2,), (3,)])
    positions.ordered("b", 1, lambda: [(4,), (5,)])
    assert positions.walks == 2
    positions.ordered("a", 1, lambda: [(9,)])  # kept: not walked again
    assert positions.walks == 2
    positions.ordered("c", 1, lambda: [(6,)])  # over 5 ids: the least recently used goes
    assert list(positions.ordered("a", 1, lambda: [(9,)])) == [1, 2, 3]
    assert positions.walks == 3
    assert list(positions.ordered("b", 1, lambda: [(7,)])) == [7]  # "b" was dropped
    assert list(positions.ordered("a", 2, lambda: [(8,)])) == [8]  # another state: walked again
