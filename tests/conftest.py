"""Fixtures shared by the suite: databases on both backends, services, the imported shipped data."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text

from bch.services.container import Services
from bch.storage.tables import metadata
from tests.postgres import server_problem, throwaway_database

BACKENDS = ["sqlite", "postgres"]

# Timing deadlines make property tests flaky on a loaded 2-core CI machine; CI runs a fixed seed.
settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")
# saved search indexes of PostgreSQL test databases go to a scratch folder, not the user's cache
os.environ["BCH_SEARCH_INDEX_DIR"] = tempfile.mkdtemp(prefix="bch-test-index-")
atexit.register(shutil.rmtree, os.environ["BCH_SEARCH_INDEX_DIR"], True)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    problem = server_problem()
    if problem:
        message = f"PostgreSQL is not reachable: {problem}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the PostgreSQL tests)", pytrace=False)
        pytest.skip(message)
    with throwaway_database(_worker()) as url:
        yield url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    Services.open(f"sqlite:///{path}").close()  # migrations applied once
    return path


@pytest.fixture(scope="session")
def _postgres_services(postgres_url) -> Iterator[Services]:
    svc = Services.open(postgres_url)
    yield svc
    svc.close()


def _truncate(svc: Services) -> None:
    names = ", ".join(t.name for t in reversed(metadata.sorted_tables))
    with svc.engine.begin() as conn:
        # fail loudly (instead of waiting for ever) if a test leaked an open transaction
        conn.execute(text("SET LOCAL lock_timeout = '30s'"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def services(request, tmp_path, _sqlite_template) -> Iterator[Services]:
    """Fresh, migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "bch.db"
        shutil.copy(_sqlite_template, path)
        svc = Services.open(f"sqlite:///{path}")
        yield svc
        svc.close()
    else:
        request.applymarker(pytest.mark.postgres)
        svc = request.getfixturevalue("_postgres_services")
        _truncate(svc)
        yield svc


@pytest.fixture(scope="session", params=BACKENDS)
def loaded(request, tmp_path_factory) -> Iterator[Services]:
    """A database per backend loaded once with the shipped real data (read-only for tests)."""
    from bch.importer.run import import_shipped

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("loaded") / "bch.db"
        svc = Services.open(f"sqlite:///{path}")
        import_shipped(svc)
        yield svc
        svc.close()
    else:
        request.getfixturevalue("postgres_url")
        with throwaway_database(f"{_worker()}_loaded") as url:
            svc = Services.open(url)
            import_shipped(svc)
            yield svc
            svc.close()
