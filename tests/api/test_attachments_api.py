"""Attachments over HTTP (issue 17): identical bytes uploaded by two users are two attachments
with their own id, owner and name over one stored blob; neither user sees or deletes the other's;
the Secretariat reads both; the blob goes with the last attachment that uses it."""

from __future__ import annotations

import hashlib

import pytest

from tests.accounts.helpers import (
    PASSWORD,
    add_user,
    bearer,
    client_for,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def two_uploaders(services, tmp_path, monkeypatch):
    files = tmp_path / "files"
    services = services.configured(BCH_ATTACHMENTS_DIR=str(files))
    for email in ("ana@example.org", "ben@example.org"):
        add_user(services, email, password=PASSWORD)
    add_user(services, "scbd@example.org", "secretariat", password=PASSWORD)
    with client_for(services) as c:
        auth = {who: bearer(c, f"{who}@example.org") for who in ("ana", "ben", "scbd")}
        yield c, auth, files


def _filename(response) -> str:
    return response.headers["content-disposition"].split("filename=", 1)[1].strip('"')


def test_identical_bytes_are_two_attachments_each_with_its_owner_and_name(two_uploaders):
    c, auth, files = two_uploaders
    a = c.post("/api/v1/attachments?name=ana-report.pdf", content=PDF, headers=auth["ana"])
    b = c.post("/api/v1/attachments?name=ben-notes.pdf", content=PDF, headers=auth["ben"])
    assert a.status_code == b.status_code == 201, (a.text, b.text)
    a, b = a.json(), b.json()
    assert a["id"] != b["id"]
    assert (a["name"], b["name"]) == ("ana-report.pdf", "ben-notes.pdf")
    assert a["createdAt"].endswith("Z") and a["size"] == b["size"] == len(PDF)
    # one copy of the bytes on disk
    assert sorted(p.name for p in files.iterdir()) == [hashlib.sha256(PDF).hexdigest()]

    got_a = c.get(a["url"], headers=auth["ana"])
    got_b = c.get(b["url"], headers=auth["ben"])
    assert got_a.status_code == got_b.status_code == 200
    assert got_a.content == got_b.content == PDF
    assert (_filename(got_a), _filename(got_b)) == ("ana-report.pdf", "ben-notes.pdf")

    # neither sees the other's (not even that it exists), the Secretariat reads both
    for who, other in (("ana", b), ("ben", a)):
        r = c.get(other["url"], headers=auth[who])
        assert r.status_code == 404 and r.json()["code"] == "notFound"
    assert [x["id"] for x in c.get("/api/v1/attachments", headers=auth["ana"]).json()["items"]] == [
        a["id"]
    ]
    assert [x["id"] for x in c.get("/api/v1/attachments", headers=auth["ben"]).json()["items"]] == [
        b["id"]
    ]
    for att in (a, b):
        assert c.get(att["url"], headers=auth["scbd"]).status_code == 200
    assert c.get(a["url"]).status_code == 401


def test_deleting_one_attachment_keeps_the_bytes_another_uses(two_uploaders):
    c, auth, files = two_uploaders
    blob = files / hashlib.sha256(PDF).hexdigest()
    a = c.post("/api/v1/attachments?name=a.pdf", content=PDF, headers=auth["ana"]).json()
    b = c.post("/api/v1/attachments?name=b.pdf", content=PDF, headers=auth["ben"]).json()

    r = c.delete(b["url"], headers=auth["ana"])  # not Ana's: refused, nothing removed
    assert r.status_code == 404 and r.json()["code"] == "notFound"
    assert c.get(b["url"], headers=auth["ben"]).content == PDF

    assert c.delete(a["url"], headers=auth["ana"]).status_code == 204
    assert c.get(a["url"], headers=auth["ana"]).status_code == 404
    assert c.delete(a["url"], headers=auth["ana"]).status_code == 404
    assert blob.is_file()
    got = c.get(b["url"], headers=auth["ben"])
    assert got.status_code == 200 and got.content == PDF and _filename(got) == "b.pdf"

    assert c.delete(b["url"], headers=auth["ben"]).status_code == 204
    assert not blob.exists() and list(files.iterdir()) == []
    # the same bytes uploaded again are stored again
    again = c.post("/api/v1/attachments?name=c.pdf", content=PDF, headers=auth["ana"]).json()
    assert c.get(again["url"], headers=auth["ana"]).content == PDF


def test_bad_attachment_ids_and_anonymous_deletes_are_clear_errors(two_uploaders):
    c, auth, _files = two_uploaders
    for bad in ("../../etc/passwd", "x" * 32, "0" * 31, "A" * 64):
        r = c.get(f"/api/v1/attachments/{bad}", headers=auth["ana"])
        assert r.status_code == 404 and r.json()["code"] == "notFound", bad
    r = c.delete("/api/v1/attachments/" + "0" * 32)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
