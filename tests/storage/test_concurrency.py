"""Concurrent requests never fail (no "database is locked" on SQLite, nothing on PostgreSQL):
threads in one process through the services and through the HTTP app, and two processes on one
database. Meanwhile a client following the change feed sees every committed change exactly once
and in order, and failed writes leave no hole in the sequence (both backends)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bch.api.app import create_app
from bch.services.container import Services
from bch.storage.tables import documents
from tests import factories
from tests.accounts.helpers import PASSWORD, kenyan_authority
from tests.storage import workload

ROOT = Path(__file__).resolve().parents[2]


def _pythonpath() -> list[str]:
    return [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]


class Follower(threading.Thread):
    """A client following the change feed with `since` while others write."""

    def __init__(self, svc: Services):
        super().__init__()
        self.svc, self.seqs, self.stop = svc, [], threading.Event()
        self.failure: Exception | None = None

    def run(self) -> None:
        token = None
        try:
            while True:
                last_round = self.stop.is_set()
                page = self.svc.changes.page(since=token, limit=7)
                self.seqs += [item["seq"] for item in page.items]
                token = page.next
                if last_round and not page.items:
                    return
                if not page.items:  # nothing new yet: a short pause, not a busy loop that
                    self.stop.wait(0.002)  # took the writers' CPU (they write more slowly)
        except Exception as exc:  # reported by finish()
            self.failure = exc

    def finish(self) -> list[int]:
        self.stop.set()
        self.join()
        assert self.failure is None, repr(self.failure)
        return self.seqs


def _token(svc: Services, email: str = "secretariat@example.org") -> str:
    user = svc.accounts.add_user(email, role="secretariat", password=PASSWORD, by="test")
    return svc.accounts.issue_token(user, name="load", scope="write").token


def _url(svc: Services) -> str:
    return svc.engine.url.render_as_string(hide_password=False)


def test_threads_publish_and_read_at_once_without_failures(services):
    follower = Follower(services)
    follower.start()
    out = workload.run(services, writers=4, readers=3, rounds=8, token=_token(services))
    seqs = follower.finish()
    assert out.failures == []
    assert out.reads > 0 and out.changes == workload.expected_changes(4, 8)
    # every committed change once, in order; rolled-back writes took no number
    assert seqs == list(range(1, out.changes + 1))


def test_http_app_under_concurrent_writes_and_reads(services):
    services.accounts.add_user(
        "nfp@kenya.example.org", role="nfp", country="KE", password=PASSWORD, by="test"
    )
    failures: list[str] = []
    published: list[str] = []
    lock = threading.Lock()
    with TestClient(create_app(services)) as client:
        r = client.post(
            "/api/v1/auth/token", json={"email": "nfp@kenya.example.org", "password": PASSWORD}
        )
        assert r.status_code == 200, r.text
        auth = {"Authorization": f"Bearer {r.json()['token']}"}

        def write() -> None:
            for _ in range(5):
                doc = kenyan_authority()
                ident = doc["header"]["identifier"]
                answers = [client.put(f"/api/v1/drafts/{ident}", json=doc, headers=auth)]
                answers.append(client.post(f"/api/v1/drafts/{ident}/publish", headers=auth))
                with lock:
                    failures.extend(f"{a.status_code} {a.text}" for a in answers if a.is_error)
                    published.append(ident)

        def read(stop: threading.Event) -> None:
            while not stop.is_set():
                for url in ("/api/v1/changes?limit=20", "/api/v1/records?schema=authority"):
                    r = client.get(url, headers=auth)
                    if r.is_error:
                        with lock:
                            failures.append(f"{url}: {r.status_code} {r.text}")

        stop = threading.Event()
        writers = [threading.Thread(target=write) for _ in range(3)]
        readers = [threading.Thread(target=read, args=(stop,)) for _ in range(3)]
        for t in (*writers, *readers):
            t.start()
        for t in writers:
            t.join()
        stop.set()
        for t in readers:
            t.join()
        assert failures == []
        items = client.get("/api/v1/changes?limit=100").json()["items"]
    assert sorted(i["identifier"] for i in items) == sorted(published) and len(published) == 15
    assert [i["seq"] for i in items] == list(range(1, 16))


def test_two_processes_write_and_read_one_database_without_failures(services):
    token = _token(services)
    follower = Follower(services)
    follower.start()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*_pythonpath(), str(ROOT)])}
    cmd = [sys.executable, "-m", "tests.storage.workload", _url(services), token]
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr.decode()
        outs.append(json.loads(stdout.decode().strip().splitlines()[-1]))
    seqs = follower.finish()
    assert [o["failures"] for o in outs] == [[], []]
    assert all(o["reads"] > 0 for o in outs)
    total = sum(o["changes"] for o in outs)
    assert total == 2 * workload.expected_changes()
    assert seqs == list(range(1, total + 1))


def test_sqlite_transaction_opened_with_begin_waits_instead_of_failing(tmp_path):
    """The pattern behind "database is locked": a transaction reads, another writer commits,
    then the first one writes. Opened with begin(), it holds the write lock from the start, so
    the other writer waits for it instead of making it fail."""
    svc = Services.open(f"sqlite:///{tmp_path / 'bch.db'}")
    try:
        ident = svc.records.publish(factories.organism(), by="test").identifier
        entered = threading.Event()

        def other_writer() -> None:
            with svc.store.writing() as conn:
                entered.set()
                conn.execute(update(documents).values(title={"en": "other"}))

        with svc.engine.begin() as conn:
            conn.execute(select(documents.c.id)).all()
            t = threading.Thread(target=other_writer)
            t.start()
            entered.wait(0.5)  # without the lock taken up front, the other writer got in here
            conn.execute(update(documents).values(title={"en": "first"}))
        t.join()
        assert entered.is_set()
        assert svc.records.get(ident).doc.title == {"en": "other"}  # it wrote after us
    finally:
        svc.close()
