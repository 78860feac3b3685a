"""Bad input and abuse: rich text sanitised, attachments checked by content and size, security
headers, rate limits answered 429 with Retry-After over HTTP, mail that cannot be sent."""

from __future__ import annotations

import hashlib
import logging

import pytest

from bch.api.security import headers_for
from bch.services.attachments import AttachmentStore, sniff
from bch.services.errors import BadRequest, Forbidden, NotFound, UnsupportedMedia
from bch.services.mail import Mailer, MailSettings
from bch.services.policy import ANONYMOUS
from bch.services.ratelimit import Limit, RateLimiter
from bch.services.richtext import clean_html
from tests import factories
from tests.accounts.helpers import PASSWORD, add_user, bearer, client_for

ATTACKS = [
    '<p>Maize<script>alert("x")</script></p>',
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<p onclick="steal()" style="background:url(javascript:x)">text</p>',
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="alert(1)"><circle/></svg>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_rich_text_keeps_no_script_handler_or_javascript_url(attack):
    out = clean_html(attack).lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "<iframe",
        "data:",
        "style=",
    ):
        assert bad not in out, (attack, out)


def test_harmless_markup_and_plain_text_survive():
    assert clean_html("MON810 and NK603") == "MON810 and NK603"
    assert clean_html('<p><b>Bt</b> <a href="https://bch.cbd.int">BCH</a></p>').startswith(
        "<p><b>Bt</b>"
    )


def test_drafts_sanitise_rich_fields_on_input(services):
    nfp = add_user(services, "sanit@example.org", "user")
    doc = factories.organism(relevantInformation={"en": ATTACKS[0] + ATTACKS[2]})
    draft, _ = services.drafts.save(nfp, doc["header"]["identifier"], doc)
    stored = draft.document["relevantInformation"]["en"]
    assert "<script" not in stored and "javascript:" not in stored and "Maize" in stored
    assert draft.document["scientificName"] == "Zea mays"  # plain fields untouched


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_attachment_type_comes_from_the_content(services, tmp_path):
    assert sniff(PDF) == "application/pdf"
    assert sniff(PNG) == "image/png"
    assert sniff("plain notes, UTF-8: ÉÀ".encode()) == "text/plain"
    assert sniff(b"<html><script>alert(1)</script></html>") is None
    assert sniff(b"MZ\x90\x00\x03\x00\x00\x00") is None  # a Windows executable
    store = AttachmentStore(services.db, tmp_path / "att")
    user = add_user(services, "u@example.org")
    att = store.save(user, "../../etc/report.exe", PDF)  # a PDF whatever its name says
    assert att.media_type == "application/pdf" and "/" not in att.name
    with pytest.raises(UnsupportedMedia):
        store.save(user, "nice.pdf", b"<script>alert(1)</script>")
    with pytest.raises(BadRequest):
        store.save(user, "empty.pdf", b"")
    with pytest.raises(Forbidden):
        store.save(ANONYMOUS, "x.pdf", PDF)
    found, path = store.open(user, att.id)
    assert path.read_bytes() == PDF and path.parent == tmp_path / "att"
    with pytest.raises(NotFound):
        store.open(add_user(services, "other@example.org"), att.id)
    with pytest.raises(NotFound):
        store.open(user, "../../etc/passwd")


def test_attachment_upload_over_http(services, tmp_path, monkeypatch):
    services = services.configured(
        BCH_ATTACHMENTS_DIR=str(tmp_path / "files"), BCH_MAX_ATTACHMENT_BYTES="1000"
    )
    add_user(services, "up@example.org", password=PASSWORD)
    with client_for(services) as c:
        auth = bearer(c, "up@example.org")
        r = c.post("/api/v1/attachments?name=report.pdf", content=PDF, headers=auth)
        assert r.status_code == 201, r.text
        assert r.json()["type"] == "application/pdf"
        assert (tmp_path / "files" / hashlib.sha256(PDF).hexdigest()).exists()  # by content
        got = c.get(r.json()["url"], headers=auth)
        assert got.status_code == 200 and got.content == PDF
        assert "attachment" in got.headers["content-disposition"]
        big = c.post("/api/v1/attachments?name=big.pdf", content=PDF + b"0" * 2000, headers=auth)
        assert big.status_code == 413 and big.json()["code"] == "payloadTooLarge"
        bad = c.post("/api/v1/attachments?name=x.pdf", content=b"<html>x</html>", headers=auth)
        assert bad.status_code == 415
        assert c.post("/api/v1/attachments", content=PDF).status_code == 401


def test_security_headers_and_frameable_embeds():
    api = headers_for("/api/v1/records")
    assert api["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in api["content-security-policy"]
    assert "http" not in api["content-security-policy"]  # no external host
    assert api["referrer-policy"] and api["x-content-type-options"] == "nosniff"
    for path in ("/widgets.js", "/widgets/record/x", "/embed/x", "/fr/embed/record/1"):
        h = headers_for(path)
        assert "x-frame-options" not in h and "frame-ancestors *" in h.get(
            "content-security-policy", "frame-ancestors *"
        ), path
    assert "x-frame-options" in headers_for("/share/abc")
    assert "x-frame-options" not in headers_for("/share/abc", ("/share",))  # BCH_FRAMEABLE_PATHS


def test_security_headers_are_sent(services):
    with client_for(services) as c:
        r = c.get("/api/v1/schemas")
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_http_rate_limits_answer_429_with_retry_after(services):
    add_user(services, "rl@example.org", password=PASSWORD)
    services.accounts.limiter = RateLimiter(
        {
            "login": Limit(2, 60),
            "register": Limit(1, 60),
            "reset": Limit(1, 60),
            "write": Limit(1, 60),
        }
    )
    with client_for(services) as c:
        body = {"email": "rl@example.org", "password": "wrong-password"}
        codes = [c.post("/api/v1/auth/token", json=body).status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        r = c.post("/api/v1/auth/token", json=body)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["code"] == "tooManyRequests"
        reg = {"email": "new@example.org", "password": PASSWORD}
        assert c.post("/api/v1/auth/register", json=reg).status_code == 202
        assert c.post("/api/v1/auth/register", json=reg).status_code == 429
        reset = {"email": "rl@example.org"}
        assert c.post("/api/v1/auth/password-reset", json=reset).status_code == 202
        assert c.post("/api/v1/auth/password-reset", json=reset).status_code == 429


def test_mail_without_smtp_goes_to_the_log_and_never_raises(caplog):
    with caplog.at_level(logging.INFO, logger="bch.mail"):
        assert (
            Mailer(MailSettings(host=None)).send("a@example.org", "Subject here", "Body") is False
        )
    assert "Subject here" in caplog.text
    # an SMTP server that is not there: logged, not raised
    closed = MailSettings(host="127.0.0.1", port=1, timeout=2)
    assert Mailer(closed).send("a@example.org", "S", "B") is False
