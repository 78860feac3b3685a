"""A fresh migrated database for a fixture of module scope (the `services` fixture of
tests/conftest.py is per test): a copy of the session's migrated SQLite template, or a new
PostgreSQL database named after the run, which the run's controller drops at the end with its
templates (tests/conftest.py, pytest_sessionfinish) instead of a test waiting for a DROP
DATABASE. For modules whose tests share one app because they only read, or only fuzz."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bch.services.container import Services
from tests.postgres import create_database
from tests.templates import run_prefix

# fixture params: the backends, the PostgreSQL one marked like the `services` fixture's
BACKEND_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def module_database(
    request: pytest.FixtureRequest, tmp_path_factory, tag: str
) -> Iterator[Services]:
    """Services over a new migrated database on the backend of `request.param`, closed
    afterwards."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp(tag) / "bch.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        svc = Services.open(f"sqlite:///{path}", upgrade=False)
    else:
        request.getfixturevalue("postgres_url")  # skips, or fails in CI, without a server
        templates = request.getfixturevalue("shipped_templates")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"{run_prefix(templates.run)}{worker}_{tag}_{uuid.uuid4().hex[:6]}"
        # a copy of the run's migrated template: no migration to run
        svc = Services.open(create_database(name, templates.migrated_postgres()), upgrade=False)
    try:
        yield svc
    finally:
        svc.close()
