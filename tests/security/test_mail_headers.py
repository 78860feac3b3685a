"""Mail header injection (issue 15, hostile input): CR/LF and the other control characters in
anything that reaches a mail header - a record's title (the alert's subject), a forum thread's
title, a consultation's title, an address, any extra header - forge no header and add no
recipient. Text has them replaced by a space (bch.services.mail.HeaderSafePolicy); an address
holding one is refused at input (400 naming the field) or, when it gets that far, not mailed.
Proven through the suite's real SMTP server (aiosmtpd), on both databases."""

from __future__ import annotations

from datetime import timedelta
from email.message import Message

from bch.services.mail import CONTROL
from bch.storage.rows import utcnow
from tests import factories
from tests.accounts.helpers import PASSWORD, add_user, bearer, client_for
from tests.alerts.helpers import subscribed

EVIL = "evil@attacker.example"
# what a forged header would need, and every other character that ends or hides in a line
INJECTION = (
    f"Title\r\nBcc: {EVIL}\r\nContent-Type: text/html\r\n\r\n<b>body</b>\nCc: {EVIL}"
    "\rX-Forged: 1\x00\x0b\x0c\x1b\x7f\x85\u2028\u2029end"
)
# what a record or an API body can hold (no NUL: PostgreSQL stores none, api/deps.parse_json
# refuses it)
TYPED = INJECTION.replace("\x00", "")
HEADERS = {"from", "to", "subject", "content-type", "content-transfer-encoding", "mime-version"}


def _assert_one_line_no_forgery(mail: Message, box, to: str, *, extra: set[str]) -> None:
    names = {k.lower() for k in mail} - {"x-envelope-to"}
    assert names <= HEADERS | extra, names  # no Bcc, Cc, X-Forged, second Content-Type
    assert mail.get_all("Content-Type") == [mail["Content-Type"]]
    assert mail.get_content_type() == "text/plain"
    assert mail["X-Envelope-To"] == to  # nobody else got it
    assert not box.to(EVIL)
    subject = str(mail["Subject"])
    assert "Bcc: " + EVIL in subject and "end" in subject, subject  # the text, neutralised
    assert not CONTROL.search(subject), repr(subject)


def test_the_mailer_neutralises_text_headers_and_refuses_unsafe_addresses(services, mailbox):
    mailer = services.mailer
    assert mailer.send("reader@example.org", INJECTION, "hello", headers={"List-Id": INJECTION})
    (mail,) = mailbox.wait_for("reader@example.org")
    _assert_one_line_no_forgery(mail, mailbox, "reader@example.org", extra={"list-id"})
    assert not CONTROL.search(str(mail["List-Id"]))
    # an address with a line break is not rewritten into another address: nothing is sent
    for address in (
        f"reader@example.org\r\nBcc: {EVIL}",
        f"reader@example.org\nCc: {EVIL}",
        "reader\x00@example.org",
    ):
        assert mailer.send(address, "x", "y") is False
        assert mailer.send("reader@example.org", "x", "y", headers={"Reply-To": address}) is False
    assert len(mailbox.messages) == 1 and not mailbox.to(EVIL)


def test_a_record_title_in_an_alert_subject(services, mailbox):
    svc = services
    c = client_for(svc)
    subscribed(c, mailbox, "reader@example.org", {"country": "CA"})
    doc = factories.authority("CA")
    doc["name"] = {"en": TYPED}  # PostgreSQL stores no NUL
    svc.records.publish(doc)
    report = svc.alerts.run_once()
    assert report.sent == 1, report
    mail = [m for m in mailbox.to("reader@example.org") if "alert:" in str(m["Subject"])][-1]
    extra = {"message-id", "x-bch-alert", "list-unsubscribe", "list-unsubscribe-post"}
    _assert_one_line_no_forgery(
        mail, mailbox, "reader@example.org", extra=extra | {"auto-submitted"}
    )
    # and an address that could forge a header is refused when subscribing, naming the field
    for address in (f"reader@example.org\r\nBcc: {EVIL}", "a\x00b@example.org", "a\u2028@x.org"):
        r = c.post("/api/v1/subscriptions", json={"email": address, "filters": {"country": "CA"}})
        assert r.status_code in (400, 422), r.text
        assert [e["path"] for e in r.json()["errors"]] == ["email"], r.text
    assert not mailbox.to(EVIL)


def test_a_forum_thread_title_in_the_subscribers_mail(services, mailbox):
    svc = services
    add_user(svc, "scbd@example.org", "secretariat", password=PASSWORD)
    add_user(svc, "amina@example.org", password=PASSWORD)
    add_user(svc, "luis@example.org", password=PASSWORD)
    with client_for(svc) as c:
        mod, amina, luis = (
            bearer(c, e) for e in ("scbd@example.org", "amina@example.org", "luis@example.org")
        )
        forum = {"id": "access", "owner": "SCBD", "title": {"en": "Access"}}
        assert c.post("/api/v1/forums", json=forum, headers=mod).status_code == 201
        r = c.post(
            "/api/v1/forums/access/threads",
            json={"title": TYPED, "text": "Let us start.", "language": "en"},
            headers=amina,
        )
        if r.status_code != 201:  # refused at input: it must name the field
            assert r.status_code in (400, 422) and r.json()["errors"][0]["path"] == "title"
            return
        thread = r.json()["id"]
        assert c.put(f"/api/v1/forums/threads/{thread}/subscription", headers=luis).status_code
        r = c.post(
            f"/api/v1/forums/threads/{thread}/posts",
            json={"text": "A reply.", "language": "en"},
            headers=amina,
        )
        assert r.status_code == 201, r.text
    (mail,) = mailbox.wait_for("luis@example.org")
    extra = {"list-id", "list-unsubscribe", "list-unsubscribe-post", "reply-to"}
    _assert_one_line_no_forgery(mail, mailbox, "luis@example.org", extra=extra)


def test_a_consultation_title_in_the_comment_confirmation(services, mailbox):
    svc = services
    add_user(svc, "nfp.ke@example.org", "nfp", "KE", password=PASSWORD)
    svc.form_guard.min_seconds = 0
    with client_for(svc) as c:
        nfp = bearer(c, "nfp.ke@example.org")
        body = {
            "country": "KE",
            "title": {"en": TYPED},
            "closesAt": (utcnow() + timedelta(days=30)).date().isoformat(),
        }
        r = c.post("/api/v1/consultations", json=body, headers=nfp)
        if r.status_code != 201:  # refused at input: it must name the field
            assert r.status_code in (400, 422) and r.json()["errors"][0]["path"].startswith("title")
            return
        ident = r.json()["id"]
        token = c.get(f"/api/v1/consultations/{ident}/form").json()["formToken"]
        comment = {"text": "A comment.", "language": "en", "consent": True, "formToken": token}
        r = c.post(  # an anonymous comment without a name was a 500 (NOT NULL author)
            f"/api/v1/consultations/{ident}/comments",
            json=comment | {"email": "achieng@example.org"},
        )
        assert r.status_code == 400 and r.json()["errors"][0]["path"] == "name", r.text
        comment["name"] = f"Achieng\r\nBcc: {EVIL}"
        for address in (f"achieng@example.org\r\nBcc: {EVIL}", "achieng\x00@example.org"):
            r = c.post(f"/api/v1/consultations/{ident}/comments", json=comment | {"email": address})
            assert r.status_code in (400, 422), r.text
            assert r.json()["errors"][0]["path"] == "email", r.text
        r = c.post(
            f"/api/v1/consultations/{ident}/comments",
            json=comment | {"email": "achieng@example.org"},
        )
        assert r.status_code == 201, r.text
    (mail,) = mailbox.wait_for("achieng@example.org")
    _assert_one_line_no_forgery(mail, mailbox, "achieng@example.org", extra=set())
