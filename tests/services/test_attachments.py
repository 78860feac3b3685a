"""The attachment store on both backends: uploads of identical bytes share one blob row and file
and nothing else; concurrent uploads and deletes of the same bytes never leave an attachment
without its file, nor a blob that no attachment uses."""

from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import func, select

from bch.services.attachments import AttachmentStore
from bch.services.errors import Forbidden, NotFound
from bch.services.policy import Principal
from bch.storage.tables import attachment_blobs, attachments
from tests.accounts.helpers import add_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _count(svc, table) -> int:
    with svc.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_same_user_same_bytes_twice_is_two_attachments_one_blob(services, tmp_path):
    store = AttachmentStore(services.db, tmp_path / "files")
    ana = add_user(services, "ana@example.org")
    first = store.save(ana, "v1.pdf", PDF)
    second = store.save(ana, "v2.pdf", PDF)
    assert first.id != second.id and first.sha256 == second.sha256
    assert (_count(services, attachments), _count(services, attachment_blobs)) == (2, 1)
    assert [a.name for a in store.mine(ana)] == ["v2.pdf", "v1.pdf"]
    store.delete(ana, first.id)
    assert store.open(ana, second.id)[1].read_bytes() == PDF
    with pytest.raises(NotFound):
        store.get(ana, first.id)


def test_a_read_only_token_cannot_delete(services, tmp_path):
    store = AttachmentStore(services.db, tmp_path / "files")
    ana = add_user(services, "ana@example.org")
    att = store.save(ana, "a.pdf", PDF)
    reader = Principal(ana.user_id, ana.email, ana.roles, ana.limits, scope="read")
    with pytest.raises(Forbidden):
        store.delete(reader, att.id)
    assert store.get(ana, att.id).name == "a.pdf"


def test_concurrent_uploads_and_deletes_of_the_same_bytes_stay_consistent(services, tmp_path):
    store = AttachmentStore(services.db, tmp_path / "files")
    users = [add_user(services, f"u{i}@example.org") for i in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(users))

    def churn(user: Principal) -> None:
        try:
            start.wait()
            for i in range(12):
                att = store.save(user, f"{i}.pdf", PDF)
                if i < 11:  # the blob often loses its last attachment while others upload
                    store.delete(user, att.id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=churn, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    kept = [a for u in users for a in store.mine(u)]
    assert sorted(a.name for a in kept) == ["11.pdf"] * 4
    for user in users:
        for att in store.mine(user):
            assert store.open(user, att.id)[1].read_bytes() == PDF
    assert _count(services, attachment_blobs) == 1
    for att in kept:
        store.delete(next(u for u in users if u.user_id == att.uploaded_by), att.id)
    assert _count(services, attachment_blobs) == 0
    assert not (tmp_path / "files" / hashlib.sha256(PDF).hexdigest()).exists()
    assert list((tmp_path / "files").iterdir()) == []  # no temporary or set-aside file left behind
