"""Migrations upgrade a database made by an earlier release with its data intact (issue 15
item 7): the fixtures of tests/fixtures (made by tests/ops/upgrade_fixture.py, one pair per
release) are upgraded with `upgrade heads`: the SQLite file in place, the archive restored into
PostgreSQL at its own revisions and then upgraded."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from bch.services.container import Services
from bch.storage import migrate
from bch.storage.tables import changes, documents, revisions, users
from tests.ops.upgrade_fixture import FIXTURES, ORGANISMS

RELEASES = sorted(p.name.removesuffix(".db") for p in FIXTURES.glob("release-*.db"))


def _check(svc: Services) -> None:
    assert migrate.current_revisions(svc.engine) == migrate.head_revisions()
    with svc.engine.connect() as conn:
        docs = conn.execute(select(documents).order_by(documents.c.id)).mappings().all()
        revs = conn.execute(select(revisions.c.document_id, revisions.c.revision)).all()
        seqs = conn.execute(select(changes.c.seq).order_by(changes.c.seq)).scalars().all()
        emails = conn.execute(select(users.c.email)).scalars().all()
    assert len(docs) == len(ORGANISMS) + 2
    assert sum(d["deleted_at"] is not None for d in docs) == 1
    assert len(revs) == len(docs) + 1  # the authority has two revisions
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == len(revs) + 1  # + deletion
    assert emails == ["backup@example.org"]
    # the upgraded database reads and writes as usual
    auth = svc.records.get("cna-ca-cfia-fixture")
    assert "CFIA" in str(auth)
    names = {
        str(svc.records.get(d["identifier"]))
        for d in docs
        if d["schema"] == "organism" and not d["deleted_at"]
    }
    assert all(any(n in s for s in names) for n in ORGANISMS)


@pytest.mark.parametrize("release", RELEASES)
def test_sqlite_file_of_a_release_upgrades_with_its_data(release, tmp_path):
    path = tmp_path / "bch.db"
    shutil.copy(FIXTURES / f"{release}.db", path)
    engine_url = f"sqlite:///{path}"
    svc = Services.open(engine_url)  # upgrade heads
    try:
        _check(svc)
    finally:
        svc.close()


@pytest.mark.postgres
@pytest.mark.parametrize("release", RELEASES)
def test_archive_of_a_release_restores_and_upgrades_on_postgresql(release, postgres_url, tmp_path):
    from tests.postgres import throwaway_database

    with throwaway_database("upgrade") as url:
        svc = Services.open(url, upgrade=False, settings=None)
        svc = svc.configured(BCH_ATTACHMENTS_DIR=str(tmp_path / "files"))
        try:
            report = svc.backup.restore(FIXTURES / f"{release}.bch.tar")
            assert report.blobs == 1
            _check(svc)
        finally:
            svc.engine.dispose()


def test_there_is_a_fixture_of_this_release():
    from bch import __version__

    assert f"release-{__version__}" in RELEASES, "run: python -m tests.ops.upgrade_fixture"
