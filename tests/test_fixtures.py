"""The suite's own fixtures (tests/conftest.py, tests/templates.py): the shipped data imported
once and copied, copies that do not see each other's writes (in SQL, in the bitmap search index
and in its saved snapshot), `services` objects that carry nothing from one test to the
next, and the heap each test starts on."""

from __future__ import annotations

import gc
import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from bch.api.app import create_app
from bch.services.ratelimit import Limit, RateLimiter
from bch.services.search import SearchQuery, SearchService
from bch.storage.bitmap_index import last_change, save_snapshot, snapshot_path
from bch.storage.tables import documents
from tests import factories
from tests.accounts.helpers import PASSWORD, add_user
from tests.templates import BACKENDS, shipped_copy

WORD = "Zyzzyvarium"  # a word the shipped data does not hold
# `loaded` and `loaded_copy` of one backend at a time
SAME_BACKEND = pytest.mark.parametrize(
    ("loaded", "loaded_copy"), [(b, b) for b in BACKENDS], indirect=True, ids=BACKENDS
)


def _count(svc) -> int:
    with svc.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(documents)).scalar_one()


def _found(svc, *, bitmaps: bool) -> int:
    engine = svc.search if bitmaps else SearchService(svc.db, svc.registry, index=None)
    return engine.search(SearchQuery(q=WORD, include_total=True)).total


@SAME_BACKEND
def test_a_copy_is_the_same_import_as_loaded(loaded, loaded_copy):
    assert _count(loaded_copy) == _count(loaded) > 1_000
    with loaded.engine.connect() as a, loaded_copy.engine.connect() as b:
        # the same last change, time included: copied from one import, not imported again
        assert last_change(a) == last_change(b) is not None
    assert loaded_copy.engine.url != loaded.engine.url


def _snapshot(svc):
    """Where the services' search index saves its snapshot (BCH_SEARCH_INDEX_DIR)."""
    return snapshot_path(svc.engine, svc.settings.search_index_dir)


@SAME_BACKEND
def test_writes_to_a_copy_reach_neither_loaded_nor_the_next_copy(
    loaded, loaded_copy, request, tmp_path
):
    before = _count(loaded)
    assert _found(loaded_copy, bitmaps=True) == 0  # the bitmap index is built now
    loaded_copy.records.publish(factories.organism(f"{WORD} mays"), by="test")
    assert _found(loaded_copy, bitmaps=True) == _found(loaded_copy, bitmaps=False) == 1
    # a snapshot of the copy's index, as a large database saves one
    with loaded_copy.search.index.use() as index:
        assert index is not None and len(index.live) == before + 1
        save_snapshot(index, _snapshot(loaded_copy))
    assert _count(loaded) == before
    assert _found(loaded, bitmaps=True) == _found(loaded, bitmaps=False) == 0
    backend = request.node.callspec.params["loaded"]
    with shipped_copy(request, backend, tmp_path / "second", "second") as second:
        assert _snapshot(second) != _snapshot(loaded_copy)
        assert not _snapshot(second).exists()
        assert _count(second) == before
        assert _found(second, bitmaps=True) == _found(second, bitmaps=False) == 0


@pytest.mark.parametrize("loaded", ["postgres"], indirect=True)
def test_loaded_refuses_writes_on_postgres(loaded):
    before = _count(loaded)
    with pytest.raises(DBAPIError, match="read-only transaction"):
        loaded.records.publish(factories.organism(f"{WORD} mays"), by="test")
    assert _count(loaded) == before


RAN_ON: list[str] = []  # the workers the first of the two tests below ran on
RAN_ON_XDIST = "PYTEST_XDIST_WORKER" in os.environ


@pytest.mark.xdist_group("fixture-isolation")  # the two tests below run on one worker, in order
def test_a_test_may_tighten_the_rate_limits_of_its_services(services):
    RAN_ON.append(os.environ.get("PYTEST_XDIST_WORKER", "main"))
    add_user(services, "tight@example.org", password=PASSWORD)
    services.accounts.limiter = RateLimiter({"login": Limit(1, 3600)})
    with TestClient(create_app(services)) as client:
        body = {"email": "tight@example.org", "password": PASSWORD}
        assert client.post("/api/v1/auth/token", json=body).status_code == 200
        assert client.post("/api/v1/auth/token", json=body).status_code == 429


@pytest.mark.xdist_group("fixture-isolation")
def test_the_next_test_gets_services_of_its_own(services, request):
    """The test above tightened the limits on its services object: not on this one (the
    PostgreSQL database is the same, emptied, but the object and its URL are new)."""
    grouped = getattr(request.config.option, "loadgroup", False) or not RAN_ON_XDIST
    if grouped and any(i.name.startswith("test_a_test_may_tighten") for i in request.session.items):
        # it ran before, on this worker (xdist_group works: see conftest.py)
        assert RAN_ON and set(RAN_ON) == {os.environ.get("PYTEST_XDIST_WORKER", "main")}
    add_user(services, "tight@example.org", password=PASSWORD)
    with TestClient(create_app(services)) as client:
        body = {"email": "tight@example.org", "password": PASSWORD}
        codes = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(3)]
    assert codes == [200, 200, 200]


@pytest.mark.parametrize("services", ["postgres"], indirect=True)
@pytest.mark.parametrize("loaded_copy", ["postgres"], indirect=True)
def test_postgres_test_databases_commit_without_waiting_for_the_disk(services, loaded_copy):
    """Every database the suite creates on PostgreSQL (the worker's, each copy of the loaded
    template) has synchronous_commit off (tests/postgres.py), and a commit is still seen at once
    by another connection."""
    for svc in (services, loaded_copy):
        with svc.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "off"
    services.records.publish(factories.organism(f"{WORD} mays"), by="test")
    assert _count(services) == 1


class _Kept:
    pass


_EARLIER = _Kept()  # made when the module was imported


@pytest.fixture
def _made_by_a_fixture() -> _Kept:
    return _Kept()


def test_a_test_starts_on_a_frozen_heap(_made_by_a_fixture):
    """tests/conftest.py: before each test, what earlier tests left is collected and frozen
    (no collection walks it); what the test and its fixtures make is not."""
    assert gc.isenabled() and gc.get_freeze_count() > 0
    walked = gc.get_objects()  # what the collections walk: every tracked object not frozen
    assert not any(o is _EARLIER for o in walked)
    assert any(o is _made_by_a_fixture for o in walked)
