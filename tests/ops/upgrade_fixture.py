"""The database a release leaves behind, kept so that later releases prove their migrations
upgrade it with its data intact (tests/ops/test_upgrade.py).

`populate` writes a small, varied content (records with several revisions, a deletion, a user,
an attachment) from real names; the fixture files are made by the current release with

    .venv/bin/python -m tests.ops.upgrade_fixture

which writes tests/fixtures/release-<version>.db (SQLite) and the same content as a `bch backup`
archive, tests/fixtures/release-<version>.bch.tar (restored into PostgreSQL by the test). Make
them again only when cutting a release: the files of earlier releases stay."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from bch import __version__
from bch.services.container import Services
from tests import factories

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ORGANISMS = ("Zea mays", "Glycine max", "Oryza sativa")


def populate(svc: Services) -> None:
    from tests.accounts.helpers import add_user

    for name in ORGANISMS:
        svc.records.publish(factories.organism(name))
    auth = factories.authority(identifier="cna-ca-cfia-fixture")
    svc.records.publish(auth)
    auth["name"]["en"] = "Canadian Food Inspection Agency (CFIA)"
    svc.records.publish(auth)  # a second revision
    gone = svc.records.publish(factories.organism("Solanum tuberosum"))
    svc.records.delete(gone.identifier, reason="withdrawn (test)")
    user = add_user(svc, "backup@example.org", "nau", "CA", password="a long passphrase 1")
    svc.attachments.save(user, "report.pdf", PDF)


def make(folder: Path = FIXTURES) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"release-{__version__}.db"
    archive = folder / f"release-{__version__}.bch.tar"
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch) / "bch.db"
        svc = Services.open(f"sqlite:///{work}")
        try:
            populate(svc)
            svc.backup.backup(archive)
        finally:
            svc.close()
        import sqlite3

        with sqlite3.connect(work) as conn:  # one file, no WAL beside it
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("VACUUM")
        shutil.copy(work, db)
    return db, archive


if __name__ == "__main__":
    for path in make():
        print(f"{path} ({path.stat().st_size:,} bytes)", file=sys.stdout)
