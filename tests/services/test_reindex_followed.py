"""`bch db reindex` run while servers serve the same database (issue 15 item 1: every process
follows a write within a second). The reindex rewrites search rows without appending a change;
it moves the `search_rows` data mark (storage/change_mark.bump) in each of its transactions, and
what the other processes keep follows that mark: the bitmap search index is rebuilt, the v2013
positions walked again, the read and page caches forget their answers. The other process is a
second Services on the same database (its own engine, index and caches), on both databases."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bch.services.container import Services
from bch.services.reindex import reindex
from bch.services.search import SearchQuery
from bch.storage.scope import EVERYTHING
from bch.storage.search.contract import SearchRequest
from bch.storage.search_index import clear_index
from tests import factories

WORDS = SearchRequest(scope=EVERYTHING, q="zea")  # the harvester's order over a text query
ORDER = [("updated", False), ("identifier", False)]


@pytest.fixture
def other(services) -> Iterator[Services]:
    """Another process on the same database (where the operator runs `bch db reindex`)."""
    svc = Services.open(services.engine.url.render_as_string(hide_password=False), upgrade=False)
    try:
        yield svc
    finally:
        svc.close()


def _titles(svc: Services, q: str) -> list[str]:
    found = svc.search.search(SearchQuery(q=q, facets=["schema"], include_total=True))
    return sorted(d.title["en"] for d in found.items)


def _without_search_rows(services: Services) -> None:
    """A record whose search rows are missing (published before the index existed): what a
    reindex is for."""
    doc = factories.organism("Zea mays")
    services.records.publish(doc, by="test")
    doc_id = services.records.get(doc["header"]["identifier"]).doc.id
    with services.engine.begin() as conn:
        clear_index(conn, doc_id)


def test_a_reindex_by_another_process_is_followed(services, other):
    _without_search_rows(services)
    # this process's index, positions and caches are made from the rows without it
    assert _titles(services, "zea") == []
    assert services.search.sql.ordered_ids(WORDS, ORDER, 0, 10)[0] == 0
    version = services.change_follower.poll()
    state = services.search.state()
    computed = []
    services.read_cache.get(("an answer",), lambda: computed.append(1))
    services.read_cache.get(("an answer",), lambda: computed.append(1))
    assert computed == [1]  # kept

    assert reindex(other) == 1

    assert _titles(services, "zea") == ["Zea mays"]  # the bitmap index rebuilt
    assert services.search.sql.ordered_ids(WORDS, ORDER, 0, 10)[0] == 1  # walked again
    assert services.search.state() != state  # the v2013 evaluated lists' state moved
    assert services.change_follower.poll() != version
    services.read_cache.get(("an answer",), lambda: computed.append(1))
    assert computed == [1, 1]  # forgotten


def test_a_saved_index_made_before_a_reindex_is_not_loaded(services, other, monkeypatch):
    """A server started after a reindex does not load a snapshot of the index saved before it
    (another machine's, or one the reindex could not remove)."""
    from bch.storage import bitmap_index

    _without_search_rows(services)
    assert _titles(services, "zea") == []
    index = services.search.index._index
    snapshot = services.search.index.snapshot
    if snapshot is None:
        pytest.skip("no snapshot for this database")
    bitmap_index.save_snapshot(index, snapshot)
    monkeypatch.setattr(other.search.index, "snapshot", None)  # it leaves the file in place
    reindex(other)
    assert snapshot.exists()

    third = Services.open(services.engine.url.render_as_string(hide_password=False), upgrade=False)
    try:
        third.search.index.snapshot = snapshot
        with third.engine.connect() as conn:
            assert third.search.index._from_snapshot(conn) is None
        assert _titles(third, "zea") == ["Zea mays"]
    finally:
        third.close()


def test_bch_db_reindex_in_another_process_is_followed(services):
    """The same with the command an operator runs, in a process of its own."""
    _without_search_rows(services)
    assert _titles(services, "zea") == []
    url = services.engine.url.render_as_string(hide_password=False)
    bch = str(Path(sys.executable).with_name("bch"))
    done = subprocess.run(
        [bch, "db", "reindex", "--database", url], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and "1 records indexed" in done.stdout, done.stdout + done.stderr
    assert _titles(services, "zea") == ["Zea mays"]
