"""Migration 0005_attachments keeps the attachments stored before it (a blob named after its
SHA-256 with a JSON file of name, type and uploader): same id, name, owner and bytes, on both
backends. JSON files of users this database does not have, or without their blob, are skipped."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, insert, select

from bch.services.attachments import AttachmentStore
from bch.services.errors import NotFound
from bch.services.policy import Principal
from bch.storage import migrate
from bch.storage.database import Database
from bch.storage.engine import make_engine
from bch.storage.rows import utcnow
from bch.storage.tables import attachments, users
from tests.postgres import throwaway_database

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT = b"field notes\n"


@pytest.fixture(params=["sqlite", "postgres"])
def engine_at_0002(request, tmp_path) -> Iterator[Engine]:
    """A database migrated up to the accounts (0002), before attachments had tables."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        migrate.upgrade(engine, "0002")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) without a server
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with throwaway_database(f"{worker}_attmig") as url:
        engine = make_engine(url)
        migrate.upgrade(engine, "0002")
        yield engine
        engine.dispose()


def _user(engine: Engine, email: str) -> Principal:
    with engine.begin() as conn:
        uid = conn.execute(
            insert(users)
            .values(email=email, created_at=utcnow(), failed_logins=0)
            .returning(users.c.id)
        ).scalar_one()
    return Principal(uid, email, frozenset({("user", None)}))


def _legacy(folder, data: bytes, name: str, media: str, by: int) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (folder / digest).write_bytes(data)
    meta = {"name": name, "type": media, "size": len(data), "by": by}
    (folder / f"{digest}.json").write_text(json.dumps(meta))
    return digest


def test_attachments_stored_before_the_migration_are_kept(engine_at_0002, tmp_path, monkeypatch):
    folder = tmp_path / "files"
    folder.mkdir()

    ana, ben = _user(engine_at_0002, "ana@example.org"), _user(engine_at_0002, "ben@example.org")
    pdf_id = _legacy(folder, PDF, "risk assessment.pdf", "application/pdf", ana.user_id)
    text_id = _legacy(folder, TEXT, "notes.txt", "text/plain", 4242)  # not a user of this DB
    (folder / ("e" * 64 + ".json")).write_text("{not json")  # unreadable: skipped
    (folder / ("f" * 64 + ".json")).write_text(json.dumps({"name": "x", "type": "t", "by": 1}))

    # every head, 0005_attachments among them; the folder is BCH_ATTACHMENTS_DIR's
    migrate.upgrade(engine_at_0002, attachments_dir=folder)
    assert migrate.current_revisions(engine_at_0002) == migrate.head_revisions()

    store = AttachmentStore(Database(engine_at_0002), folder)
    att, path = store.open(ana, pdf_id)
    assert (att.id, att.name, att.media_type, att.size) == (
        pdf_id,
        "risk assessment.pdf",
        "application/pdf",
        len(PDF),
    )
    assert path.read_bytes() == PDF and att.uploaded_by == ana.user_id
    with pytest.raises(NotFound):
        store.open(ben, pdf_id)
    with engine_at_0002.connect() as conn:
        assert set(conn.execute(select(attachments.c.id)).scalars()) == {pdf_id}
    assert (folder / text_id).read_bytes() == TEXT  # skipped, not removed

    # the same bytes uploaded by someone else now make a second attachment, not a takeover
    mine = store.save(ben, "copy.pdf", PDF)
    assert store.get(ana, pdf_id).name == "risk assessment.pdf"
    store.delete(ana, pdf_id)
    assert store.open(ben, mine.id)[1].read_bytes() == PDF
