"""Servers started at the same moment on a brand-new database: the migrations run once (the
others wait, then find them applied) and the shipped data is loaded once (both backends)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bch.services.container import Services
from bch.storage import migrate
from bch.storage.tables import changes, detection_methods, documents, revisions
from tests.postgres import throwaway_database
from tests.shipped_sample import shipped_plan
from tests.waiting import healthy, until

ROOT = Path(__file__).resolve().parents[2]
BCH = str(Path(sys.executable).with_name("bch"))
GO = "go"  # the file the children wait for, so that they start together

OPEN = """
import sys, time
from pathlib import Path
from bch.services.container import Services
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.01)
Services.open(sys.argv[1]).close()
print("opened")
"""


@pytest.fixture(params=["sqlite", "postgres"])
def new_database(request, tmp_path) -> Iterator[str]:
    """The URL of a database nobody has opened yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new' / 'bch.db'}"
    else:
        request.applymarker(pytest.mark.postgres)
        request.getfixturevalue("postgres_url")  # skips (or fails in CI) without a server
        with throwaway_database("start") as url:
            yield url


def _count(svc: Services, table) -> int:
    with svc.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_two_processes_open_a_new_database_at_once(new_database, tmp_path):
    go = tmp_path / GO
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, new_database, str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    go.touch()
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0 and stdout.strip() == b"opened", stderr.decode()
    svc = Services.open(new_database, upgrade=False)
    try:
        assert migrate.current_revisions(svc.engine) == migrate.head_revisions()
    finally:
        svc.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _servers(url: str, n: int) -> Iterator[list[tuple[subprocess.Popen, int]]]:
    """n `bch serve` processes started together on one database; stopped afterwards."""
    servers = []
    for _ in range(n):
        port = _free_port()
        cmd = [BCH, "serve", "--port", str(port), "--database", url]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        servers.append((proc, port))
    try:
        yield servers
    finally:
        for proc, _ in servers:
            proc.terminate()
        for proc, _ in servers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_until_serving(proc: subprocess.Popen, port: int) -> dict:
    health: list[dict] = []

    base = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        if healthy(base, timeout=5):  # serving: the data is loaded; /readyz counts the records
            try:
                health.append(httpx.get(f"{base}/readyz", timeout=600).json())
            except httpx.HTTPError:
                return False
        return bool(health)

    try:
        until(serving, "bch serve's start", alive=lambda: proc.poll() is None, interval=0.05)
    except AssertionError:
        output = proc.stdout.read().decode() if proc.stdout and proc.poll() is not None else ""
        pytest.fail(f"bch serve did not start (exit code {proc.returncode}):\n{output}")
    return health[0]


@pytest.fixture(scope="module")
def plan():
    return shipped_plan()


@pytest.mark.slow
def test_two_servers_started_at_once_load_the_shipped_data_once(new_database, plan):
    with _servers(new_database, 2) as servers:
        health = [_wait_until_serving(proc, port) for proc, port in servers]
    outputs = [proc.stdout.read().decode() for proc, _ in servers if proc.stdout]
    n = len(plan.documents)
    assert [h["records"] for h in health] == [n, n]
    # one server loaded the data; the other found it loaded (or waited for the load)
    assert sum(" published" in out for out in outputs) == 1, outputs
    svc = Services.open(new_database, upgrade=False)
    try:
        assert _count(svc, documents) == _count(svc, revisions) == _count(svc, changes) == n
        assert _count(svc, detection_methods) == len(plan.detection_methods)
        assert svc.changes.last_sequence() == n
    finally:
        svc.close()


def test_first_load_only_into_an_empty_database(services):
    from bch.importer.run import import_shipped
    from tests import factories

    services.records.publish(factories.organism("Zea mays"), by="test")
    assert import_shipped(services, only_if_empty=True) is None  # checked under the write lock
    assert _count(services, documents) == 1 and services.changes.last_sequence() == 1
