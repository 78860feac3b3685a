"""Fixtures shared by the suite: databases on both backends, services, the imported shipped data.

- `services`: a fresh, migrated, empty database per test on each backend, with a Services object
  of its own (nothing a test sets on it, such as a tight rate limit, reaches another test).
- `loaded`: the shipped real data, per backend, shared by the tests of a worker: read-only.
- `loaded_copy`: a writable copy of the shipped data per test, on each backend.
The shipped data is imported once per run and backend, whatever the number of workers
(tests/templates.py)."""

from __future__ import annotations

import asyncio
import atexit
import gc
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from _pytest.nodeid import NodeId  # see pytest_collection_modifyitems
from argon2 import PasswordHasher
from hypothesis import settings

from bch.services import credentials
from bch.services.container import Services
from tests.postgres import (
    admin_url,
    drop_databases,
    empty_database,
    server_problem,
    throwaway_database,
)
from tests.templates import BACKENDS, DROPPER, ShippedTemplates, run_prefix, shipped_copy

RUN = pytest.StashKey[str]()

# Timing deadlines make property tests flaky on a loaded 2-core CI machine. The suite draws the
# same examples on every run, with or without CI=true: a newcomer's `make test` must pass as CI's
# does (with random draws, the "it got somewhere" checks of a few property tests failed on some
# seeds: a stateful flow that never got past its first step). Random exploration is asked for:
# BCH_TEST_EXPLORE=1 (`make fuzz` sets it), which keeps what it finds in .hypothesis/.
settings.register_profile("default", deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", deadline=None)
settings.load_profile("explore" if os.environ.get("BCH_TEST_EXPLORE") == "1" else "default")
# saved search indexes of PostgreSQL test databases go to a scratch folder, not the user's cache
os.environ["BCH_SEARCH_INDEX_DIR"] = tempfile.mkdtemp(prefix="bch-test-index-")
atexit.register(shutil.rmtree, os.environ["BCH_SEARCH_INDEX_DIR"], True)
# the `bch serve` processes tests start run one process unless a test asks for more
# (`--workers 2`, tests/cli/test_workers.py): a kill -9 of a one-process server is a kill of the
# server, and two servers of one test never hold 2 x cores processes on the 2-core machine
os.environ.setdefault("BCH_WORKERS", "1")
# ... and without their start-up warming (search index, external snapshots, resolver, templates
# built in a thread at start: ~1 s of CPU per start, which every server of the suite paid). The
# first request that needs each builds it, as before warming existed. Tests about warming turn
# it on: tests/faults/test_kill_exports.py kills servers while they warm,
# tests/bench/test_load_short.py runs its load on a warming server as in production, and
# tests/cli/test_warm.py tests it in-process.
os.environ.setdefault("BCH_WARM", "off")
# Passwords are hashed with Argon2id at its lowest cost inside the test processes: the
# production parameters (19 MiB, 2 passes; tens of ms of CPU per hash) were paid by every user a
# fixture adds and every sign-in. The hashes keep the same form and are verified the same way;
# hashes made with other parameters (in the shipped data, by a `bch serve` a test starts) verify
# as before, since the parameters are in the hash. The production parameters stay the default of
# bch.services.credentials, which tests/test_password_cost.py checks in a process of its own.
credentials._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


# -- the garbage collector: each test starts on a collected, frozen heap -----------------------
# A worker's heap holds 1.3-1.6 million objects by the end of a run (the test modules, the shipped
# data, the session's databases and their indexes), and every automatic full collection walked
# them all: 18-21 s of CPU per worker and run (bench/RESULTS.md, "2026-12-04 (night)"). Before each
# test (before its fixtures), what earlier tests left is collected and frozen (gc.freeze): the
# test's own collections walk only what it and its fixtures allocate. Every THAW_EVERY test
# modules everything is unfrozen and collected once, so that the module fixtures torn down
# meanwhile (databases, services) are freed, not kept for the rest of the run.
THAW_EVERY = 40
_heap = {"module": None, "modules": 0}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    module = item.nodeid.partition("::")[0]
    if module != _heap["module"]:
        _heap["module"] = module
        _heap["modules"] += 1
        if _heap["modules"] % THAW_EVERY == 0:
            gc.unfreeze()
    gc.collect()
    gc.freeze()


# -- the run: one id shared by the xdist workers, templates dropped at the end -------------------


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:  # pytest-xdist: a worker is being started
    node.workerinput["bch_run"] = node.config.stash[RUN]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or a run without xdist) drops the run's PostgreSQL templates and their
    copies, once every worker has finished with them. A worker first waits for the copies it
    queued for dropping (tests/templates.py, DROPPER)."""
    DROPPER.finish()
    if hasattr(session.config, "workerinput"):
        return
    try:
        with psycopg.connect(admin_url(), connect_timeout=3):
            pass
    except psycopg.Error:
        return  # no server: no templates
    drop_databases(run_prefix(session.config.stash[RUN]))


# The units of work (an xdist_group, else a test) that take minutes, longest first: `--dist
# loadgroup` hands them out first, so that no worker starts one of them while the others have
# nothing left (the node fault test alone is a long part of a worker's time). Figures:
# bench/RESULTS.md, "2026-12-03 - the processes of the suite". The browser tests are two groups
# of about the same measured time (bench/RESULTS.md, "browser tests"), so that two workers can
# run some at once (`make test` runs three). Then the other `slow` tests (servers, kills), then
# the rest in collection order.
LONGEST_FIRST = (
    "tests/nodes/test_node_faults.py",
    "@browser-1",
    "@browser-2",
    "tests/faults/test_kill_exports.py",
)


def pytest_configure(config: pytest.Config) -> None:
    worker = getattr(config, "workerinput", None)
    config.stash[RUN] = worker["bch_run"] if worker else uuid.uuid4().hex[:8]
    if getattr(config.option, "dist", "no") == "loadgroup":
        # xdist would sort the units by their number of tests (the browser group first, the
        # node fault test among the last): the order of pytest_collection_modifyitems is kept
        config.option.loadscopereorder = False


def _unit(item: pytest.Item) -> str:
    """The unit of work `--dist loadgroup` hands out whole: the group of its xdist_group
    mark (`@name` at the end of the id, see below), else the test itself."""
    nodeid = item.nodeid
    return nodeid[nodeid.rindex("@") :] if nodeid.rfind("@") > nodeid.rfind("]") else nodeid


def _rank(unit: str, items: list[pytest.Item]) -> int:
    for rank, prefix in enumerate(LONGEST_FIRST):
        if unit.startswith(prefix):
            return rank
    slow = any(item.get_closest_marker("slow") for item in items)
    return len(LONGEST_FIRST) + (0 if slow else 1)


def order_units(items: list[pytest.Item], workers: int = 2) -> list[pytest.Item]:
    """The items by unit, the longest units first (LONGEST_FIRST, then `slow`), the rest in
    collection order. xdist gives each of the `workers` two units at the start, one round after
    the other, and a worker's second unit waits behind its first: the first worker's second
    unit (at index `workers`) is a short one, never a long one stuck behind the longest."""
    units: dict[str, list[pytest.Item]] = {}
    for item in items:
        units.setdefault(_unit(item), []).append(item)
    order = sorted(units, key=lambda u: _rank(u, units[u]))  # stable: collection order kept
    short = next((u for u in order if _rank(u, units[u]) > len(LONGEST_FIRST)), None)
    if short is not None and len(order) > workers + 1:
        order.remove(short)
        order.insert(workers, short)
    return [item for unit in order for item in units[unit]]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make `--dist loadgroup` work: pytest-xdist 3.8 marks an item's group by appending
    `@group` to `item._nodeid`, which pytest 9 no longer reads (the id is `item._id`), so every
    xdist_group mark was silently ignored (the browser tests ran on both workers at once, module
    fixtures of a group were built twice). Put the suffix where pytest 9 reads it. Then order
    the units, the longest first (order_units)."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted(
            {
                str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                for m in item.iter_markers("xdist_group")
            }
        )
        suffix = "@" + "_".join(groups)
        if groups and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = NodeId.parse(item.nodeid + suffix)
    # xdist tells its workers how many they are (the controller orders nothing: it hands out
    # the units in the order of the workers' collections)
    items[:] = order_units(items, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "2")))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def shipped_templates(request, tmp_path_factory) -> ShippedTemplates:
    shared = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        shared = shared.parent  # the run's folder, above each worker's own
    return ShippedTemplates(shared, request.config.stash[RUN])


# -- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url(shipped_templates) -> Iterator[str]:
    problem = server_problem()
    if problem:
        message = f"PostgreSQL is not reachable: {problem}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the PostgreSQL tests)", pytrace=False)
        pytest.skip(message)
    # the worker's database: a copy of the run's migrated template (tests/templates.py)
    with throwaway_database(_worker(), shipped_templates.migrated_postgres()) as url:
        yield url


_opened = itertools.count(1)


# -- the fixtures tests use ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    Services.open(f"sqlite:///{path}").close()  # migrations applied once
    return path


@pytest.fixture(params=BACKENDS)
def services(request, tmp_path, _sqlite_template) -> Iterator[Services]:
    """Fresh, migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "bch.db"
        shutil.copy(_sqlite_template, path)
        # a copy of the template this session migrated: no migration left to look for (as on
        # PostgreSQL below; the check cost a connection and a read of the version table per test)
        svc = Services.open(f"sqlite:///{path}", upgrade=False)
    else:
        request.applymarker(pytest.mark.postgres)
        url = request.getfixturevalue("postgres_url")
        # the worker's database (a copy of the run's migrated template), emptied; a URL of its
        # own per test, so that state kept per database URL (the saved search index, caches) is
        # never carried over the emptying
        svc = Services.open(f"{url}?application_name=bch-test-{next(_opened)}", upgrade=False)
        empty_database(svc.engine)
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture(scope="session", params=BACKENDS)
def loaded(request, tmp_path_factory) -> Iterator[Services]:
    """A database per backend loaded with the shipped real data, read-only for tests (on
    PostgreSQL a write fails: the database's transactions are read-only)."""
    folder = tmp_path_factory.mktemp("loaded")
    with shipped_copy(request, request.param, folder, f"{_worker()}_loaded") as svc:
        if request.param == "postgres":
            with svc.engine.begin() as conn:
                conn.exec_driver_sql(
                    f'ALTER DATABASE "{svc.engine.url.database}" '
                    "SET default_transaction_read_only = on"
                )
            svc.engine.dispose()  # new connections take the setting
        yield svc


@pytest.fixture(scope="session")
def chromium():
    """One headless chromium per worker for the browser tests (two xdist groups, browser-1 and
    browser-2, so one or two workers), instead of a playwright driver and a chromium started per module (1-2 s of CPU each). Tests
    never share a page, cookies or storage: each opens a context of its own
    (tests/web/browser.py, Walk), as it did in a browser of its own."""
    from tests.web.browser import launch, require_chromium

    with launch(require_chromium()) as browser:
        yield browser


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """A browser test that fails leaves screenshots of its open pages in test-artifacts/ (the
    suite takes none otherwise: tests/web/browser.py, SCREENSHOTS)."""
    report = yield
    if report.failed and call.when == "call" and "chromium" in getattr(item, "funcargs", {}):
        from tests.web.browser import save_failure_shots

        save_failure_shots(item.funcargs["chromium"], item.nodeid)
    return report


@pytest.fixture(autouse=True)
def _no_running_loop_from_the_browser(request):
    """Playwright's sync API runs its event loop in a greenlet of the main thread and leaves it
    marked as the thread's running loop between calls. With the session `chromium` kept open, every
    later test on that worker that runs a coroutine (`asyncio.run`: raw HTTP tests, the external
    sources' crawl) failed with "asyncio.run() cannot be called from a running event loop". A test
    that does not use the browser runs with no running loop; the browser's is put back after it."""
    if "chromium" in request.fixturenames:
        yield
        return
    leaked = asyncio._get_running_loop()
    if leaked is None:
        yield
        return
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(leaked)


@pytest.fixture(params=BACKENDS)
def loaded_copy(request, tmp_path) -> Iterator[Services]:
    """A writable copy of the database loaded with the shipped real data, per test."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    with shipped_copy(request, request.param, tmp_path, f"{_worker()}_copy") as svc:
        yield svc
