"""The XSS corpus (tests/security/xss_corpus.py) in a record's name, in the six languages, read
back through the Atom feed and the alert mails:

* the feed parses as XML, each entry's title is exactly the name that was typed (escaped, not
  markup), no element of the XHTML namespace and no script element is in it, and chromium
  showing it (as the XML it says it is, and as HTML if it were ever sniffed as such) runs
  nothing; a query with characters XML 1.0 forbids still gives a well-formed feed;
* the alert mail caught by a real SMTP server has only text/plain parts, no header forged by
  the name, and its body shown by chromium with its own content type runs nothing and reads
  as the text typed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest
from aiosmtpd.controller import Controller

from bch.services.container import Services
from bch.services.mail import MailSettings
from tests import factories
from tests.accounts.helpers import Mailbox, _free_port, client_for
from tests.alerts.helpers import subscribed
from tests.oai.live import live_server
from tests.security.xss_corpus import LANGS, MARK, PAYLOADS, RAN, hostile_names
from tests.web.browser import require_chromium

sync_api = require_chromium()
pytestmark = pytest.mark.xdist_group("browser-2")
ATOM = "{http://www.w3.org/2005/Atom}"
XHTML = "{http://www.w3.org/1999/xhtml}"
READER = "reader@example.org"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, Services, Mailbox, dict[str, str]]]:
    svc = Services.open(f"sqlite:///{tmp_path_factory.mktemp('xss-feed') / 'bch.db'}")
    svc = svc.configured(BCH_RATE_LIMIT="off")
    box = Mailbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    svc.mailer.settings = MailSettings(host="127.0.0.1", port=box.port, sender="bch@test.local")
    subscribed(client_for(svc), box, READER, {"country": "CA"})
    names = hostile_names()
    doc = factories.authority("CA", languages=LANGS)
    doc["name"] = names
    svc.records.publish(doc)
    svc.alerts.run_once()
    try:
        with live_server(svc) as base:
            yield base, svc, box, names
    finally:
        controller.stop()
        svc.close()


@pytest.fixture(scope="module")
def page(chromium):
    with closing(chromium.new_context(bypass_csp=True)) as context:
        page = context.new_page()
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        yield page


def shown(page, body: bytes, content_type: str) -> str:
    """The text chromium shows for `body` served as `content_type`; fails if anything ran."""
    url = "http://feed.test/document"
    page.route(url, lambda r: r.fulfill(status=200, body=body, content_type=content_type))
    try:
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate(RAN) is None, content_type
        assert page.dialogs == [], content_type
        return page.evaluate("() => document.documentElement.textContent")
    finally:
        page.unroute(url)


def test_feed_titles_are_escaped_text_and_run_nothing_in_chromium(site, page):
    base, _svc, _box, names = site
    for lang in LANGS:
        r = httpx.get(f"{base}/api/v1/feeds/records.atom", params={"lang": lang, "q": MARK})
        assert r.status_code == 200, r.text[:300]
        feed = ET.fromstring(r.content)
        titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
        assert names[lang] in titles, (lang, titles)  # exactly the text typed
        tags = {el.tag for el in feed.iter()}
        assert not [t for t in tags if t.startswith(XHTML) or t.endswith("script")], tags
        for media in ("application/xml", "application/atom+xml", "text/html"):
            text = shown(page, r.content, media)
            assert MARK in text and PAYLOADS[0] in text, (lang, media)


def test_a_query_xml_cannot_hold_still_gives_a_well_formed_feed(site):
    base, *_ = site
    for q in ("%01%0B%1F", f"{MARK}%EF%BF%BE", "%ED%A0%80", "%C3%28"):
        r = httpx.get(f"{base}/api/v1/feeds/records.atom?q={q}")
        assert r.status_code in (200, 400), r.text[:300]
        if r.status_code == 200:
            ET.fromstring(r.content)  # well-formed


def test_alert_mail_is_plain_text_forges_no_header_and_runs_nothing(site, page):
    _base, _svc, box, names = site
    mails = [m for m in box.to(READER) if "alert" in (m["Subject"] or "").lower()]
    assert mails, [m["Subject"] for m in box.to(READER)]
    mail = mails[-1]
    parts = [p for p in mail.walk() if not p.is_multipart()]
    assert {p.get_content_type() for p in parts} == {"text/plain"}
    assert MARK in str(mail["Subject"])
    for header in ("Bcc", "Cc", "Content-Security-Policy", "Set-Cookie"):
        assert mail[header] is None, header
    body = Mailbox.body(parts[0])
    assert names["en"] in body
    content_type = parts[0]["Content-Type"]
    text = shown(page, body.encode("utf-8"), content_type)
    assert names["en"] in text
