"""Public consultations over the API (issue 14 item 1), on both databases: opened by a country's
focal point with a confidential document withheld, comments by e-mail (confirmed through the link
of a real mail) and by a signed-in user, the spam defences, moderation (audited), closing at the
deadline, the response with the decision record, exports, and a person's own data."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pypdf
import pytest

from bch.services.policy import Principal
from bch.storage.rows import utcnow
from tests.accounts.helpers import (
    PASSWORD,
    add_user,
    bearer,
    client_for,
    kenyan_authority,
    kenyan_decision,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRETARIAT = Principal(
    user_id=0, email="scbd@example.org", roles=frozenset({("secretariat", None)})
)


def _upload(c, auth, name: str, data: bytes) -> str:
    r = c.post(f"/api/v1/attachments?name={name}", content=data, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _open(c, auth, **extra) -> dict:
    public = _upload(c, auth, "application.pdf", PDF)
    secret = _upload(c, auth, "cbi.pdf", PDF + b"% confidential\n")
    body = {
        "country": "KE",
        "title": {
            "en": "Import of MON 87411 maize for food and feed",
            "fr": "Importation du maïs MON 87411",
        },
        "summary": {"en": "<p>The application <script>x()</script>and its risk assessment.</p>"},
        "lmo": "MON-87411-9",
        "intendedUse": "food",
        "documents": [
            {"attachment": public, "name": "Application"},
            {
                "attachment": secret,
                "name": "Confidential business information",
                "confidential": True,
            },
        ],
        "closesAt": (utcnow() + timedelta(days=30)).date().isoformat(),
        "moderation": "before",
    } | extra
    r = c.post("/api/v1/consultations", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return r.json() | {"_secret": secret, "_public": public}


def test_a_full_consultation(services, mailbox):
    svc = services
    add_user(svc, "nfp.ke@example.org", "nfp", "KE", password=PASSWORD)
    add_user(svc, "nfp.ca@example.org", "nfp", "CA", password=PASSWORD)
    add_user(svc, "wanjiru@example.org", password=PASSWORD)
    with client_for(svc) as c:
        nfp = bearer(c, "nfp.ke@example.org")
        other = bearer(c, "nfp.ca@example.org")
        user = bearer(c, "wanjiru@example.org")
        # only the country's authority opens it; bad input names the field
        r = c.post(
            "/api/v1/consultations",
            json={"country": "KE", "title": "x", "closesAt": "2099-01-01"},
            headers=other,
        )
        assert r.status_code == 403
        r = c.post(
            "/api/v1/consultations",
            json={"country": "KE", "title": "x", "closesAt": "soon"},
            headers=nfp,
        )
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "closesAt"
        con = _open(c, nfp)
        ident = con["id"]
        assert con["status"] == "open" and "<script>" not in con["summary"]["en"]
        # the public sees the application, not the confidential part
        pub = c.get(f"/api/v1/consultations/{ident}").json()
        assert [d["name"] for d in pub["documents"]] == ["Application"]
        assert pub["withheldDocuments"] == 1 and pub["pending"] is None
        assert c.get(pub["documents"][0]["url"]).content == PDF
        assert c.get(f"/api/v1/consultations/{ident}/documents/{con['_secret']}").status_code == 404
        assert (
            c.get(
                f"/api/v1/consultations/{ident}/documents/{con['_secret']}", headers=nfp
            ).status_code
            == 200
        )

        # an anonymous comment: the form's signed token, the honeypot, the minimum fill time
        comment = {
            "text": "Please publish the\n\nfield trial data.",
            "language": "fr",
            "name": "Achieng O.",
            "email": "achieng@example.org",
            "consent": True,
        }
        r = c.post(f"/api/v1/consultations/{ident}/comments", json=comment)
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "formToken"
        for not_text in ({"a": 1}, ["1.2"], 12.5, True):  # any JSON value: a 400, never a 500
            r = c.post(
                f"/api/v1/consultations/{ident}/comments", json=comment | {"formToken": not_text}
            )
            assert r.status_code == 400 and r.json()["errors"][0]["path"] == "formToken", r.text
        token = c.get(f"/api/v1/consultations/{ident}/form").json()["formToken"]
        r = c.post(f"/api/v1/consultations/{ident}/comments", json=comment | {"formToken": token})
        assert r.status_code == 400 and "too fast" in r.text  # BCH_FORM_MIN_SECONDS=3
        svc.form_guard.min_seconds = 0
        r = c.post(
            f"/api/v1/consultations/{ident}/comments",
            json=comment | {"formToken": token, "website": "http://spam"},
        )
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "website"
        r = c.post(
            f"/api/v1/consultations/{ident}/comments",
            json=comment | {"formToken": token, "consent": False},
        )
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "consent"
        r = c.post(f"/api/v1/consultations/{ident}/comments", json=comment | {"formToken": token})
        assert r.status_code == 201 and r.json()["status"] == "unverified"
        mail = mailbox.wait_for("achieng@example.org")[0]
        link = re.search(r"http\S+/consultations/confirm/(\S+)", mailbox.body(mail))
        assert link, mailbox.body(mail)
        r = c.post(f"/api/v1/consultations/confirm/{link.group(1)}")
        assert r.status_code == 200 and r.json()["status"] == "pending"  # moderation before
        anonymous_id = r.json()["id"]
        # a signed-in user's comment with an attachment checked on its content
        bad = _upload_fails = c.post(
            "/api/v1/attachments?name=x.pdf", content=b"<html><script>", headers=user
        )
        assert bad.status_code == 415 and _upload_fails is bad
        att = _upload(c, user, "evidence.pdf", PDF)
        r = c.post(
            f"/api/v1/consultations/{ident}/comments",
            json={"text": "I support it.", "language": "en", "consent": True, "attachment": att},
            headers=user,
        )
        assert r.status_code == 201 and r.json()["status"] == "pending"
        mine = r.json()["id"]
        assert c.get(f"/api/v1/consultations/{ident}/comments").json()["items"] == []
        # moderation: publish, hide with a reason, audited
        moderate = f"/api/v1/consultations/{ident}/comments/{{}}/moderation"
        assert (
            c.post(moderate.format(mine), json={"action": "publish"}, headers=user).status_code
            == 403
        )
        assert (
            c.post(moderate.format(mine), json={"action": "publish"}, headers=nfp).status_code
            == 200
        )
        assert (
            c.post(
                moderate.format(anonymous_id), json={"action": "publish"}, headers=nfp
            ).status_code
            == 200
        )
        r = c.post(moderate.format(anonymous_id), json={"action": "hide"}, headers=nfp)
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "reason"
        r = c.post(
            moderate.format(anonymous_id),
            json={"action": "hide", "reason": "personal data of a third person"},
            headers=nfp,
        )
        assert r.status_code == 200 and r.json()["status"] == "hidden"
        items = c.get(f"/api/v1/consultations/{ident}/comments").json()["items"]
        assert [k["id"] for k in items] == [mine] and items[0]["attachment"]
        everything = c.get(f"/api/v1/consultations/{ident}/comments", headers=nfp).json()
        assert [k["status"] for k in everything["items"]] == ["hidden", "published"]
        first = c.get(f"/api/v1/consultations/{ident}/comments?limit=1", headers=nfp).json()
        assert [k["id"] for k in first["items"]] == [anonymous_id] and first["next"]
        rest = c.get(
            f"/api/v1/consultations/{ident}/comments?limit=1&cursor={first['next']}", headers=nfp
        ).json()
        assert [k["id"] for k in rest["items"]] == [mine] and rest["next"] is None
        bad_cursor = c.get(f"/api/v1/consultations/{ident}/comments?cursor=zz")
        assert bad_cursor.status_code == 400 and bad_cursor.json()["errors"][0]["path"] == "cursor"
        assert c.get(items[0]["attachment"]).content == PDF
        actions = [e["action"] for e in svc.audit.entries(SECRETARIAT, record=ident)[0]]
        assert "consultation.comment.hide" in actions and "consultation.comment.publish" in actions

        # the response waits for the closing; a decision record must exist
        respond = f"/api/v1/consultations/{ident}/response"
        assert c.post(respond, json={"response": {"en": "Thanks"}}, headers=nfp).status_code == 409
        assert (
            c.post(f"/api/v1/consultations/{ident}/close", headers=nfp).json()["status"] == "closed"
        )
        late = c.post(
            f"/api/v1/consultations/{ident}/comments",
            json={"text": "late", "consent": True},
            headers=user,
        )
        assert late.status_code == 409
        r = c.post(
            respond,
            json={"response": {"en": "Thanks"}, "decision": "BCH-DEC-KE-999999"},
            headers=nfp,
        )
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "decision"
        cna = kenyan_authority()
        svc.records.publish(cna, strict=False)
        dec = kenyan_decision(
            cna["header"]["identifier"], "Approval of MON 87411", "Approbation de MON 87411"
        )
        published = svc.records.publish(dec, strict=False)
        r = c.post(
            respond,
            json={
                "response": {"en": "<p>Comments on field data were addressed.</p>"},
                "decision": published.uid,
            },
            headers=nfp,
        )
        assert r.status_code == 200, r.text
        decision = r.json()["decision"]
        assert decision and published.uid.startswith(decision)
        assert svc.consultations.for_decision(decision)[0]["id"] == ident

        # exports
        rows = list(
            csv.reader(io.StringIO(c.get(f"/api/v1/consultations/{ident}/comments.csv").text))
        )
        assert rows[0][0] == "consultation" and [r[1] for r in rows[1:]] == [str(mine)]
        pdf = c.get(f"/api/v1/consultations/{ident}.pdf")
        text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "MON 87411" in text and "Comments on field data were addressed" in text

        # a person's own data: export, delete (the comment stays, as by "deleted user")
        data = c.get("/api/v1/participation/my-data", headers=user).json()
        assert [k["comment"] for k in data["comments"]] == [mine]
        assert (
            c.delete("/api/v1/participation/my-data", headers=user).json()["deleted"]["comments"]
            == 1
        )
        items = c.get(f"/api/v1/consultations/{ident}/comments").json()["items"]
        assert items[0]["author"] == "deleted user" and items[0]["body"] == "<p>I support it.</p>"
        assert c.get("/api/v1/participation/my-data", headers=user).json()["comments"] == []
        # the e-mail commenter deletes through their link
        assert (
            c.get(f"/api/v1/participation/comment-links/{link.group(1)}").json()["comments"][0][
                "email"
            ]
            == "achieng@example.org"
        )
        assert c.delete(f"/api/v1/participation/comment-links/{link.group(1)}").status_code == 200
        assert c.get(f"/api/v1/participation/comment-links/{link.group(1)}").status_code == 404


def test_the_deadline_closes_it_on_read_and_the_job_records_it(services):
    svc = services
    add_user(svc, "nfp.ke@example.org", "nfp", "KE", password=PASSWORD)
    with client_for(svc) as c:
        con = _open(c, bearer(c, "nfp.ke@example.org"), moderation="after")
        start = utcnow()
        svc.consultations.clock = lambda: start + timedelta(days=31)
        assert c.get(f"/api/v1/consultations/{con['id']}").json()["status"] == "closed"
        assert svc.consultations.close_due() == [con["id"]]
        assert svc.consultations.close_due() == []
        r = c.post(
            f"/api/v1/consultations/{con['id']}/comments",
            json={
                "text": "x",
                "consent": True,
                "email": "a@example.org",
                "name": "A",
                "formToken": svc.form_guard.stamp("x"),
            },
        )
        assert r.status_code == 400  # the token was signed for another form


def test_real_comment_windows_are_imported_pointing_to_their_official_pages(services):
    svc = services
    assert svc.consultations.import_windows() == 10
    assert svc.consultations.import_windows() == 0  # kept, not doubled
    items = svc.consultations.list()
    soy = next(c for c in items if "COR-23134-4" in c["title"]["en"])
    assert soy["external"] and soy["country"] == "US" and soy["opensAt"] is None
    assert soy["source"]["url"].startswith("https://www.federalregister.gov/documents/2026/08/18/")
    assert soy["closesAt"].startswith("2026-10-19")
    assert {c["country"] for c in items} == {"ID", "KR", "US", "VN"}
    with client_for(svc) as c:
        r = c.get("/api/v1/consultations", params={"country": "kr"})
        assert len(r.json()["items"]) == 2
        assert c.get("/api/v1/consultations", params={"country": "Korea"}).status_code == 400
        assert c.get("/api/v1/consultations/nope").status_code == 404


@pytest.mark.parametrize(
    "field,value,path",
    [
        ("title", {"xx": "t"}, "title.xx"),
        ("intendedUse", "eating", "intendedUse"),
        ("moderation", "never", "moderation"),
        ("documents", [{"url": "ftp://x"}], "documents[0]"),
        ("opensAt", "2099-12-31", "closesAt"),
        ("colour", "red", "colour"),
    ],
)
def test_bad_consultations_name_the_field(services, field, value, path):
    add_user(services, "nfp.ke@example.org", "nfp", "KE", password=PASSWORD)
    with client_for(services) as c:
        body = {"country": "KE", "title": {"en": "t"}, "closesAt": "2099-01-01", field: value}
        r = c.post("/api/v1/consultations", json=body, headers=bearer(c, "nfp.ke@example.org"))
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == path, r.text
