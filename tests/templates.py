"""The shipped real data, imported once per test run and backend and copied for each use.

The first xdist worker that needs a backend's loaded database builds a template of it, under a
file lock in the run's shared temporary folder; the other workers wait for the lock and find the
template built. SQLite: a template file, copied per use. PostgreSQL: a template database (no
connections allowed once built), copied with CREATE DATABASE ... TEMPLATE. Template names carry a
key of the shipped data and of src/bch (the importer and the migrations that make the tables), so
a change of either builds a new one. PostgreSQL templates and copies are named after the run
(`bch_test_{run}_...`); the run's controller drops them all at the end (tests/conftest.py,
pytest_sessionfinish), rather than each test waiting for a DROP DATABASE (a checkpoint).

On PostgreSQL the run also builds one empty migrated template (`migrated_postgres`): the
workers' databases, the module databases (tests/module_db.py) and the shipped-data template are
copies of it, so that none runs the migrations again.

The saved bitmap search index never leaks from one copy to another: a SQLite copy is the database
file only, without the template's `bch.db.search-index` (none is saved at the shipped data's size
anyway), and a PostgreSQL copy is a database of its own name, which names its snapshot file (see
bch.storage.bitmap_index.snapshot_path). Each copy builds its index from its own rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from filelock import FileLock

from bch.services.container import Services
from tests.postgres import admin_url, create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
KEYED = (ROOT / "data", ROOT / "src" / "bch")
BACKENDS = ["sqlite", "postgres"]


def run_prefix(run: str) -> str:
    """What the names of a run's PostgreSQL templates and copies start with."""
    return f"bch_test_{run}_"


def content_key() -> str:
    """A digest of the shipped data and of the code that imports it and makes its tables."""
    digest = hashlib.sha256()
    for folder in KEYED:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _import(svc: Services) -> None:
    from bch.importer.run import import_shipped

    try:
        import_shipped(svc)
    finally:
        svc.close()


@dataclass
class ShippedTemplates:
    """The run's templates of the loaded database. `folder` is shared by the run's workers;
    `run` is the run's id, the same in every worker (it names the PostgreSQL templates)."""

    folder: Path
    run: str
    key: str = field(default_factory=content_key)

    def sqlite(self) -> Path:
        """The template file, built by the first caller of the run."""
        path = self.folder / f"shipped-{self.key}.db"
        with FileLock(f"{path}.lock"):
            if not path.exists():
                building = self.folder / f"shipped-{self.key}-building" / "bch.db"
                shutil.rmtree(building.parent, ignore_errors=True)  # a failed earlier attempt
                _import(Services.open(f"sqlite:///{building}"))
                partial = path.with_name(path.name + ".partial")
                source, target = sqlite3.connect(building), sqlite3.connect(partial)
                with target:
                    source.backup(target)  # one self-contained file (nothing left in a WAL)
                source.close()
                target.close()
                partial.rename(path)
                shutil.rmtree(building.parent, ignore_errors=True)
        return path

    def postgres(self) -> str:
        """The template database's name, built by the first caller of the run."""
        name = f"{run_prefix(self.run)}tpl_{self.key}"
        return self._template(name, lambda: _import(Services.open(self._copy_of_migrated(name))))

    def migrated_postgres(self) -> str:
        """The name of an empty migrated template database, built by the first caller of the
        run: a database copied from it needs no migration (~1 s of CPU each, more while the
        machine is busy)."""
        name = f"{run_prefix(self.run)}tpl_migrated_{self.key}"
        return self._template(name, lambda: Services.open(create_database(name)).close())

    def _copy_of_migrated(self, name: str) -> str:
        return create_database(name, self.migrated_postgres())

    def _template(self, name: str, build) -> str:
        ready = self.folder / f"{name}.ready"
        with FileLock(f"{ready}.lock"):
            if not ready.exists():
                drop_database(name)  # a failed earlier attempt
                build()
                with psycopg.connect(admin_url(), autocommit=True) as conn:
                    # a template must have no connection open while it is copied; nobody may
                    # open one (and write to it) by mistake
                    conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
                ready.touch()
        return name


@contextmanager
def sqlite_copy(template: Path, target: Path) -> Iterator[Services]:
    """A writable copy of the template at `target`, closed afterwards."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    svc = Services.open(f"sqlite:///{target}", upgrade=False)
    try:
        yield svc
    finally:
        svc.close()


class _Dropper:
    """Drops the copies a worker is done with, one by one, in a thread of its own: a DROP
    DATABASE waits for a checkpoint (tenths of a second, seconds while other suites write),
    which no test waits for, and the copies no longer pile up on disk until the end of the run.
    Whatever is left when the worker ends is dropped with the run's databases by the controller
    (tests/conftest.py, pytest_sessionfinish)."""

    def __init__(self) -> None:
        self._names: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def drop(self, name: str) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="bch-test-drop", daemon=True)
                self._thread.start()
        self._names.put(name)

    def _run(self) -> None:
        while (name := self._names.get()) is not None:
            with contextlib.suppress(psycopg.Error):  # else left for the controller's drop
                drop_database(name)

    def finish(self) -> None:
        """Wait for the copies queued so far to be dropped (the end of a worker's session)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._names.put(None)
            thread.join()


DROPPER = _Dropper()


@contextmanager
def postgres_copy(template: str, name: str) -> Iterator[Services]:
    """A writable copy of the template database, dropped in the background once closed."""
    svc = Services.open(create_database(name, template), upgrade=False)
    try:
        yield svc
    finally:
        svc.close()
        DROPPER.drop(name)


@contextmanager
def shipped_copy(request: pytest.FixtureRequest, backend: str, folder: Path, tag: str):
    """Services over a fresh copy of the loaded database on `backend` (for fixtures of any
    scope; on PostgreSQL, skips or fails like `postgres_url` without a server)."""
    templates: ShippedTemplates = request.getfixturevalue("shipped_templates")
    if backend == "sqlite":
        with sqlite_copy(templates.sqlite(), folder / "bch.db") as svc:
            yield svc
    else:
        request.getfixturevalue("postgres_url")
        name = f"{run_prefix(templates.run)}{tag}_{uuid.uuid4().hex[:8]}"
        with postgres_copy(templates.postgres(), name) as svc:
            yield svc
