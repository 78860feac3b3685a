"""Online forums over the API (issue 14 item 2), on both databases: groups and threads, threaded
replies in several languages, pre-moderation, hide/restore with a reason, bans, invited
participation, scheduled opening, the synthesis, closing into a readable archive, subscriptions
by mail through the suite's real SMTP server and replies by e-mail; the Aarhus forums seed."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from bch.storage.rows import utcnow
from tests.accounts.helpers import PASSWORD, add_user, bearer, client_for


def _forum(c, auth, **extra) -> dict:
    body = {
        "id": "public-access",
        "owner": "SCBD",
        "title": {"en": "Public access to biosafety information", "fr": "Accès du public"},
        "groups": [{"en": "Meaning and scope"}, {"en": "Facilitating access"}],
        "premoderation": True,
    } | extra
    r = c.post("/api/v1/forums", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_moderated_discussion_with_mail(services, mailbox):
    svc = services
    add_user(svc, "scbd@example.org", "secretariat", password=PASSWORD)
    add_user(svc, "amina@example.org", password=PASSWORD)
    add_user(svc, "luis@example.org", password=PASSWORD)
    svc.forums.mail.reply_domain = "bch.test"  # a mail server is configured
    with client_for(svc) as c:
        mod, amina, luis = (
            bearer(c, e) for e in ("scbd@example.org", "amina@example.org", "luis@example.org")
        )
        assert c.post("/api/v1/forums", json={"title": "x"}, headers=amina).status_code == 403
        forum = _forum(c, mod)
        group = forum["groups"][0]["id"]
        r = c.post(
            "/api/v1/forums/public-access/threads",
            json={
                "title": "What does public access mean?",
                "text": "Let us start.",
                "language": "en",
                "group": group,
            },
            headers=amina,
        )
        assert r.status_code == 201, r.text
        thread = r.json()
        first = thread["posts"][0]
        assert first["status"] == "pending"  # pre-moderation
        assert c.get(f"/api/v1/forums/threads/{thread['id']}").json()["posts"] == []
        assert (
            c.post(
                f"/api/v1/forums/posts/{first['id']}/moderation",
                json={"action": "publish"},
                headers=luis,
            ).status_code
            == 403
        )
        r = c.post(
            f"/api/v1/forums/posts/{first['id']}/moderation",
            json={"action": "publish"},
            headers=mod,
        )
        assert r.status_code == 200
        # Luis follows the thread; Amina's French reply (pre-moderated, then published) is mailed
        assert c.put(f"/api/v1/forums/threads/{thread['id']}/subscription", headers=luis).json()[
            "subscribed"
        ]
        r = c.post(
            f"/api/v1/forums/threads/{thread['id']}/posts",
            json={"text": "L'accès du public signifie...", "language": "fr", "parent": first["id"]},
            headers=amina,
        )
        reply = r.json()
        c.post(
            f"/api/v1/forums/posts/{reply['id']}/moderation",
            json={"action": "publish"},
            headers=mod,
        )
        mail = mailbox.wait_for("luis@example.org")[0]
        assert "L'accès du public" in mailbox.body(mail)
        reply_to = mail["Reply-To"]
        assert reply_to.startswith(f"reply+{thread['id']}.") and reply_to.endswith("@bch.test")
        # Luis replies by mail: the reply is posted as Luis (the forum pre-moderates it)
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "luis@example.org", reply_to, "Re: forum"
        msg.set_content("Estoy de acuerdo.\n\nOn Monday Amina wrote:\n> L'accès du public")
        r = c.post(
            "/api/v1/forums/mail/inbound",
            content=bytes(msg),
            headers={"Content-Type": "message/rfc822"},
        )
        assert r.status_code == 200, r.text
        by_mail = r.json()
        assert by_mail["via"] == "mail" and by_mail["body"] == "<p>Estoy de acuerdo.</p>"
        forged = bytes(msg).replace(reply_to.split(".")[2][:6].encode(), b"000000")
        assert c.post("/api/v1/forums/mail/inbound", content=forged).status_code == 403
        c.post(
            f"/api/v1/forums/posts/{by_mail['id']}/moderation",
            json={"action": "publish"},
            headers=mod,
        )
        # the tree: the reply under the first post; the language of each post is kept
        posts = c.get(f"/api/v1/forums/threads/{thread['id']}").json()["posts"]
        assert [p["id"] for p in posts] == [first["id"], by_mail["id"]]
        assert posts[0]["replies"][0]["language"] == "fr" and posts[0]["replies"][0]["depth"] == 1
        # hide with a reason (the public sees the reason, not the text), restore; audited
        hide = f"/api/v1/forums/posts/{reply['id']}/moderation"
        assert c.post(hide, json={"action": "hide"}, headers=mod).status_code == 400
        assert (
            c.post(hide, json={"action": "hide", "reason": "off topic"}, headers=mod).status_code
            == 200
        )
        hidden = c.get(f"/api/v1/forums/threads/{thread['id']}").json()["posts"][0]["replies"][0]
        assert hidden["body"] is None and hidden["reason"] == "off topic"
        assert c.post(hide, json={"action": "restore"}, headers=mod).json()["status"] == "published"
        # a ban (with its reason) stops Luis; only a moderator posts the synthesis
        r = c.post(
            "/api/v1/forums/public-access/members",
            json={"email": "luis@example.org", "role": "banned", "reason": "spam"},
            headers=mod,
        )
        assert r.status_code == 200
        r = c.post(
            f"/api/v1/forums/threads/{thread['id']}/posts",
            json={"text": "again", "language": "es"},
            headers=luis,
        )
        assert r.status_code == 403
        r = c.post(
            f"/api/v1/forums/threads/{thread['id']}/posts",
            json={"text": "Synthesis", "language": "en", "synthesis": True},
            headers=amina,
        )
        assert r.status_code == 403
        r = c.post(
            f"/api/v1/forums/threads/{thread['id']}/posts",
            json={"text": "Synthesis", "language": "en", "synthesis": True},
            headers=mod,
        )
        assert r.status_code == 201 and r.json()["synthesis"] and r.json()["status"] == "published"
        # closing: the archive stays readable, takes no posts
        assert c.post("/api/v1/forums/public-access/close", headers=mod).json()["state"] == "closed"
        r = c.post(
            f"/api/v1/forums/threads/{thread['id']}/posts",
            json={"text": "late", "language": "en"},
            headers=amina,
        )
        assert r.status_code == 409
        assert [
            p["synthesis"] for p in c.get(f"/api/v1/forums/threads/{thread['id']}").json()["posts"]
        ] == [False, False, True]
        from bch.services.policy import Principal

        scbd = Principal(user_id=0, roles=frozenset({("secretariat", None)}))
        actions = {e["action"] for e in svc.audit.entries(scbd, record="forum:public-access")[0]}
        assert {
            "forum.post.hide",
            "forum.post.restore",
            "forum.member.banned",
            "forum.close",
        } <= actions


def test_invited_and_scheduled_forums(services):
    svc = services
    add_user(svc, "nfp.mx@example.org", "nfp", "MX", password=PASSWORD)
    add_user(svc, "ana@example.org", password=PASSWORD)
    add_user(svc, "ben@example.org", password=PASSWORD)
    with client_for(svc) as c:
        mod, ana, ben = (
            bearer(c, e) for e in ("nfp.mx@example.org", "ana@example.org", "ben@example.org")
        )
        assert (
            c.post("/api/v1/forums", json={"owner": "KE", "title": "x"}, headers=mod).status_code
            == 403
        )
        _forum(c, mod, id="mx-invited", owner="MX", participation="invited", premoderation=False)
        c.post(
            "/api/v1/forums/mx-invited/members",
            json={"email": "ana@example.org", "role": "invited"},
            headers=mod,
        )
        body = {"title": "Hola", "text": "¿Qué opinan?", "language": "es"}
        assert (
            c.post("/api/v1/forums/mx-invited/threads", json=body, headers=ben).status_code == 403
        )
        r = c.post("/api/v1/forums/mx-invited/threads", json=body, headers=ana)
        assert r.status_code == 201 and r.json()["posts"][0]["status"] == "published"
        assert (
            c.post(
                "/api/v1/forums/mx-invited/threads", json=body | {"language": "xx"}, headers=ana
            ).json()["errors"][0]["path"]
            == "language"
        )
        later = (utcnow() + timedelta(days=3)).date().isoformat()
        _forum(c, mod, id="mx-later", owner="MX", opensAt=later, premoderation=False)
        assert c.get("/api/v1/forums/mx-later").json()["state"] == "scheduled"
        assert c.post("/api/v1/forums/mx-later/threads", json=body, headers=ana).status_code == 409
        assert c.post("/api/v1/forums/mx-later/threads", json=body).status_code == 401


def test_the_aarhus_forums_are_seeded_closed_and_empty(services):
    svc = services
    assert svc.forums.import_archive() == 3
    assert svc.forums.import_archive() == 0
    with client_for(svc) as c:
        items = c.get("/api/v1/forums").json()["items"]
        assert {f["state"] for f in items} == {"closed"}
        main = next(
            f for f in items if f["source"]["year"] == 2014 and "awareness" in f["title"]["en"]
        )
        forum = c.get(f"/api/v1/forums/{main['id']}").json()
        assert [g["title"]["en"] for g in forum["groups"]] == [
            "The meaning, scope and importance of public access to biosafety information",
            "Facilitating public access to biosafety information",
        ]
        assert forum["threads"] == []  # no invented posts


def test_cli_imports_closes_and_ingests(services):
    from typer.testing import CliRunner

    from bch.cli import app

    url = str(services.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    out = runner.invoke(app, ["consultations", "import-windows", "--database", url])
    assert out.exit_code == 0 and "Imported 10 comment window(s) and 3 forum" in out.output
    out = runner.invoke(app, ["consultations", "close-due", "--database", url])
    assert out.exit_code == 0 and "Closed 10 consultation(s)" in out.output
    bad = runner.invoke(app, ["forums", "ingest-mail", "--database", url], input=b"To: x@y\n\nhi")
    assert bad.exit_code == 1 and "To:" in bad.output


def _open_thread(c, mod, author, text: str) -> dict:
    """A forum without pre-moderation and a thread `author` starts in it with `text`."""
    _forum(c, mod, premoderation=False)
    r = c.post(
        "/api/v1/forums/public-access/threads",
        json={"title": "Access", "text": text, "language": "en"},
        headers=author,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_thread_mails_unsubscribe_in_one_click(services, mailbox):
    """Every thread mail carries RFC 8058 one-click unsubscribe (List-Unsubscribe and
    List-Unsubscribe-Post) and a link that unsubscribes in one click; a forged token is a 404."""
    svc = services
    add_user(svc, "scbd@example.org", "secretariat", password=PASSWORD)
    add_user(svc, "amina@example.org", password=PASSWORD)
    add_user(svc, "luis@example.org", password=PASSWORD)
    with client_for(svc) as c:
        mod, amina, luis = (
            bearer(c, e) for e in ("scbd@example.org", "amina@example.org", "luis@example.org")
        )
        thread = _open_thread(c, mod, amina, "Let us start.")["id"]
        on = f"/api/v1/forums/threads/{thread}/subscription"
        assert c.put(on, headers=luis).status_code == 200

        def post_and_mail(n: int):
            answer = c.post(
                f"/api/v1/forums/threads/{thread}/posts",
                json={"text": f"Point {n}", "language": "en"},
                headers=amina,
            )
            assert answer.status_code == 201, answer.text
            return mailbox.wait_for("luis@example.org", n)[n - 1]

        mail = post_and_mail(1)
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = mail["List-Unsubscribe"].strip("<>")
        path = url.split("://", 1)[1].split("/", 1)[1]
        assert path.startswith(f"api/v1/forums/threads/{thread}/unsubscribe?token=")
        forged = "/" + path[:-4] + "0000"
        assert c.post(forged, content=b"List-Unsubscribe=One-Click").status_code == 404
        assert c.get(f"/api/v1/forums/threads/{thread}", headers=luis).json()["subscribed"]
        one_click = c.post(
            "/" + path,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert one_click.status_code == 200, one_click.text
        assert not c.get(f"/api/v1/forums/threads/{thread}", headers=luis).json()["subscribed"]
        # the link in the mail's text (a web page) unsubscribes in one click too
        assert c.put(on, headers=luis).status_code == 200
        body = mailbox.body(post_and_mail(2))
        link = body.split("(one click): ", 1)[1].split()[0].split("://", 1)[1].split("/", 1)[1]
        assert link.startswith(f"en/forums/threads/{thread}/unsubscribe?token=")
        assert c.get("/" + link).status_code == 200
        assert not c.get(f"/api/v1/forums/threads/{thread}", headers=luis).json()["subscribed"]


def test_a_long_thread_comes_a_page_at_a_time(services, monkeypatch):
    """The API pages a thread's posts with `limit` and `next` (stable order, none twice, none
    lost); the thread's page shows a page of posts and links the next one."""
    from bch.web import participation as pages

    svc = services
    add_user(svc, "scbd@example.org", "secretariat", password=PASSWORD)
    add_user(svc, "amina@example.org", password=PASSWORD)
    with client_for(svc) as c:
        mod, amina = (bearer(c, e) for e in ("scbd@example.org", "amina@example.org"))
        opened = _open_thread(c, mod, amina, "Post 0")
        thread, sent = opened["id"], [opened["posts"][0]["id"]]
        for n in range(1, 5):
            r = c.post(
                f"/api/v1/forums/threads/{thread}/posts",
                json={"text": f"Post {n}", "language": "en", "parent": sent[0]},
                headers=amina,
            )
            sent.append(r.json()["id"])
        seen, cursor, pages_ = [], None, 0
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = c.get(f"/api/v1/forums/threads/{thread}", params=params).json()
            flat = [p["id"] for p in page["posts"]]
            flat += [q["id"] for p in page["posts"] for q in p["replies"]]
            assert len(flat) <= 2
            seen += sorted(flat)
            pages_ += 1
            cursor = page["next"]
            if cursor is None:
                break
        assert seen == sent and pages_ == 3
        whole = c.get(f"/api/v1/forums/threads/{thread}").json()
        assert whole["next"] is None and len(whole["posts"][0]["replies"]) == 4
        bad = c.get(f"/api/v1/forums/threads/{thread}", params={"cursor": "nonsense"})
        assert bad.status_code == 400
        monkeypatch.setattr(pages, "POSTS_PAGE", 3)
        first = c.get(f"/en/forums/threads/{thread}")
        assert first.status_code == 200 and 'id="more-posts"' in first.text
        assert "Post 2" in first.text and "Post 3" not in first.text
        more = first.text.split('id="more-posts" href="', 1)[1].split('"', 1)[0]
        second = c.get(more.replace("&amp;", "&"))
        assert "Post 3" in second.text and "Post 4" in second.text
        assert 'id="more-posts"' not in second.text
