"""The consultation and forum pages (issue 14) through the in-process client, on both databases:
a consultation opened, commented (with the honeypot and the signed timestamp), moderated, closed
and answered with its decision, whose record page links back; a forum thread with a reply in
another language marked with its lang attribute."""

from __future__ import annotations

import re
from datetime import timedelta

from bch.storage.rows import utcnow
from tests.accounts.helpers import PASSWORD, add_user, kenyan_authority, kenyan_decision
from tests.web.conftest import client, sign_in


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_consultation_pages(services, mailbox):
    svc = services
    svc.form_guard.min_seconds = 0
    add_user(svc, "nfp.ke@example.org", "nfp", "KE", password=PASSWORD)
    add_user(svc, "amina@example.org", password=PASSWORD)
    cna = kenyan_authority()
    svc.records.publish(cna, strict=False)
    dec = svc.records.publish(
        kenyan_decision(cna["header"]["identifier"], "Approval", "Approbation"), strict=False
    )
    with client(svc) as auth:
        sign_in(auth, "nfp.ke@example.org", "fr")
        form = auth.get("/fr/consultations/new")
        assert form.status_code == 200
        closes = (utcnow() + timedelta(days=20)).date().isoformat()
        r = auth.post(
            "/fr/consultations/new",
            data={
                "csrf": _hidden(form.text, "csrf"),
                "country": "KE",
                "title": "Maïs MON 87411",
                "summary": "Demande d'importation",
                "closesAt": closes,
                "moderation": "before",
            },
            files={"document": ("demande.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        )
        assert r.status_code == 303, r.text
        url = r.headers["location"]
        ident = url.rsplit("/", 1)[1]
    with client(svc) as anon:
        page = anon.get(url)
        assert page.status_code == 200 and "demande.pdf" in page.text
        data = {
            "formToken": _hidden(page.text, "formToken"),
            "text": "Mon avis",
            "language": "fr",
            "name": "A. Visiteur",
            "email": "visiteur@example.org",
            "consent": "on",
        }
        bot = anon.post(f"{url}/comment", data=data | {"website": "spam"})
        assert bot.status_code == 400 and "website" in bot.text
        ok = anon.post(f"{url}/comment", data=data)
        assert ok.status_code == 303 and "done=unverified" in ok.headers["location"]
        # the mail's link opens a page with a button: a mail scanner's GET confirms nothing
        mail = mailbox.wait_for("visiteur@example.org")[0]
        link = re.search(r"http\S+(/fr/consultations/confirm/(\S+))", mailbox.body(mail))
        token = link.group(2)
        shown = anon.get(link.group(1))
        assert shown.status_code == 200 and 'id="confirm-button"' in shown.text
        assert f'action="{link.group(1)}"' in shown.text
        mine = svc.consultations.export_by_token(token)["comments"][0]
        assert mine["status"] == "unverified"
        done = anon.post(link.group(1), data={})
        assert done.status_code == 200 and 'id="confirmed"' in done.text
        assert svc.consultations.export_by_token(token)["comments"][0]["status"] == "pending"
    with client(svc) as user:
        sign_in(user, "amina@example.org", "en")
        page = user.get(f"/en/consultations/{ident}")
        r = user.post(
            f"/en/consultations/{ident}/comment",
            data={
                "csrf": _hidden(page.text, "csrf"),
                "formToken": _hidden(page.text, "formToken"),
                "text": "I support <b>it</b><script>alert(1)</script>",
                "language": "en",
                "consent": "on",
            },
        )
        assert r.status_code == 303 and "done=pending" in r.headers["location"]
    with client(svc) as auth:
        sign_in(auth, "nfp.ke@example.org", "fr")
        page = auth.get(url)
        comments = re.findall(r'name="comment" value="(\d+)"', page.text)
        assert len(comments) == 2  # the confirmed e-mail comment and Amina's, both pending
        csrf = _hidden(page.text, "csrf")
        for comment in comments:
            r = auth.post(
                f"{url}/moderate", data={"csrf": csrf, "comment": comment, "action": "publish"}
            )
            assert r.status_code == 303
        assert "<script>" not in auth.get(url).text.split('id="comments"')[1]
        assert auth.post(f"{url}/close", data={"csrf": csrf}).status_code == 303
        r = auth.post(
            f"{url}/response", data={"csrf": csrf, "response": "Merci à tous.", "decision": dec.uid}
        )
        assert r.status_code == 303
        final = auth.get(url).text
        assert 'id="decision-link"' in final and "Merci à tous." in final
    with client(svc) as anon:
        public = anon.get(f"/en/consultations/{ident}").text
        assert "I support <b>it</b>" in public and 'id="comment-form"' not in public
        record = anon.get(f"/en/records/{dec.uid}").text
        assert f'/en/consultations/{ident}"' in record and 'id="consultation-links"' in record


def test_forum_pages(services):
    svc = services
    svc.form_guard.min_seconds = 0
    add_user(svc, "scbd@example.org", "secretariat", password=PASSWORD)
    add_user(svc, "ana@example.org", password=PASSWORD)
    with client(svc) as mod:
        sign_in(mod, "scbd@example.org", "es")
        page = mod.get("/es/forums")
        assert 'id="forum-form"' in page.text
        r = mod.post(
            "/es/forums/new",
            data={
                "csrf": _hidden(page.text, "csrf"),
                "owner": "SCBD",
                "title": "Participación",
                "groups": "Talleres\nEscuelas",
                "participation": "open",
            },
        )
        assert r.status_code == 303 and r.headers["location"] == "/es/forums/participacion"
        page = mod.get("/es/forums/participacion")
        assert "Talleres" in page.text and 'id="participants"' in page.text
        r = mod.post(
            "/es/forums/participacion/members",
            data={
                "csrf": _hidden(page.text, "csrf"),
                "email": "nobody@example.org",
                "role": "banned",
                "reason": "spam",
            },
        )
        assert r.status_code == 404
    with client(svc) as c:
        assert "Participación" in c.get("/es/forums").text
        sign_in(c, "ana@example.org", "es")
        page = c.get("/es/forums/participacion")
        r = c.post(
            "/es/forums/participacion/threads",
            data={
                "csrf": _hidden(page.text, "csrf"),
                "formToken": _hidden(page.text, "formToken"),
                "title": "Técnicas",
                "text": "¿Qué técnicas usan?",
                "language": "es",
            },
        )
        assert r.status_code == 303
        thread = r.headers["location"]
        page = c.get(thread)
        first = re.search(r'id="post-(\d+)"', page.text).group(1)
        r = c.post(
            f"{thread}/reply",
            data={
                "csrf": _hidden(page.text, "csrf"),
                "formToken": _hidden(page.text, "formToken"),
                "text": "Des ateliers publics.",
                "language": "fr",
                "parent": first,
            },
        )
        assert r.status_code == 303
        html = c.get(thread).text
        assert 'lang="fr"' in html and 'lang="es"' in html and 'class="replies"' in html
    assert c.get("/en/forums/nope").status_code == 404


def test_my_data_page_exports_and_deletes(services):
    svc = services
    svc.form_guard.min_seconds = 0
    authority = add_user(svc, "nfp.ke@example.org", "nfp", "KE", password=PASSWORD)
    add_user(svc, "amina@example.org", password=PASSWORD)
    closes = (utcnow() + timedelta(days=5)).date().isoformat()
    con = svc.consultations.create(
        authority, {"country": "KE", "title": "T", "closesAt": closes, "moderation": "after"}
    )
    with client(svc) as c:
        sign_in(c, "amina@example.org", "en")
        page = c.get(f"/en/consultations/{con['id']}")
        c.post(
            f"/en/consultations/{con['id']}/comment",
            data={
                "csrf": _hidden(page.text, "csrf"),
                "formToken": _hidden(page.text, "formToken"),
                "text": "Mine",
                "language": "en",
                "consent": "on",
            },
        )
        assert 'id="participation-data"' in c.get("/en/account").text
        mine = c.get("/en/account/participation")
        assert mine.status_code == 200 and "Comments: 1" in mine.text
        assert c.get("/api/v1/participation/my-data").json()["comments"][0]["text"] == "<p>Mine</p>"
        r = c.post("/en/account/participation/delete", data={"csrf": _hidden(mine.text, "csrf")})
        assert r.status_code == 303 and "deleted=1" in r.headers["location"]
        assert "Comments: 0" in c.get(r.headers["location"]).text
    assert svc.consultations.comments(con["id"])[0]["author"] == "deleted user"
