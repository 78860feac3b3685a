"""Every workflow step in a real browser (Playwright driving Debian's chromium) against a real
server on 127.0.0.1, with the mails through a real SMTP server (aiosmtpd) on 127.0.0.1:

* sign up, open the confirmation link of the mail, sign in and out, reset a forgotten password;
* a focal point creates, edits (new revision) and deletes (tombstone) a national record;
* an authorized user does the same through requests; the queue shows each request's kind and
  what it changes, field by field.

Each page is checked with axe-core (WCAG 2.1 AA) and for requests to other hosts; screenshots at
desktop and phone width go to test-artifacts/ (workflow-*) with `make screenshots`."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from bch.services.container import Services
from bch.services.mail import MailSettings
from tests import factories
from tests.accounts.helpers import Mailbox, _free_port
from tests.oai.live import live_server
from tests.web.browser import Walk, require_chromium
from tests.web.conftest import PASSWORD, mon810

sync_api = require_chromium()
pytestmark = pytest.mark.xdist_group("browser-2")
NEW_PASSWORD = "Another-horse-43!"


@pytest.fixture(scope="module")
def site(tmp_path_factory, _sqlite_template, chromium) -> Iterator[dict]:
    """A fresh SQLite database with real records (a Canadian CNA, Zea mays, Monsanto, MON810),
    a focal point and an authorized user of Canada, served over HTTP, its mail to a real SMTP
    server."""
    folder = tmp_path_factory.mktemp("browser-workflow")
    shutil.copy(_sqlite_template, folder / "bch.db")
    svc = Services.open(f"sqlite:///{folder / 'bch.db'}")
    org = factories.organization("Monsanto Canada Inc.")
    organism = factories.organism("Zea mays")
    cna = factories.authority("CA")
    for doc in (org, organism, cna):
        svc.records.publish(doc, strict=False)
    svc.records.publish(
        mon810(org["header"]["identifier"], organism["header"]["identifier"]), strict=False
    )
    svc.accounts.add_user("nau@example.org", role="nau", country="CA", password=PASSWORD)
    svc.accounts.add_user("nfp@example.org", role="nfp", country="CA", password=PASSWORD)
    box = Mailbox(port=_free_port())
    smtp = Controller(box, hostname="127.0.0.1", port=box.port)
    smtp.start()
    svc.mailer.settings = MailSettings(host="127.0.0.1", port=box.port, sender="bch@test.local")
    try:
        with live_server(svc) as base:
            yield {
                "base": base,
                "svc": svc,
                "browser": chromium,
                "mail": box,
                "cna": svc.records.get(cna["header"]["identifier"]).uid,
            }
    finally:
        smtp.stop()
        svc.close()


def _walk(site, name: str) -> Walk:
    return Walk(site["browser"], site["base"], f"workflow-{name}")


def _mailed_path(site, address: str, n: int, path: str) -> str:
    body = Mailbox.body(site["mail"].wait_for(address, n)[n - 1])
    # the link names BCH_PUBLIC_URL (not set here): the path is opened on the test server
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\?token=[\w-]+)", body)
    assert found, body
    return found.group(1)


def test_sign_up_confirm_sign_in_out_and_reset_a_password(site):
    w = _walk(site, "account")
    p = w.page
    w.goto("/en/sign-in")
    p.click("main a:has-text('Create an account')")
    p.wait_for_url("**/en/sign-up")
    p.fill("#email", "wanjiru@example.org")
    p.fill("#name", "Wanjiru")
    p.fill("#password", PASSWORD)
    p.fill("#password2", PASSWORD + "?")
    p.click("main button[type=submit]")
    assert "The two passwords differ." in p.locator("#problem").inner_text()
    w.axe()
    w.shot("sign-up-problem")
    p.fill("#password", PASSWORD)
    p.fill("#password2", PASSWORD)
    p.click("main button[type=submit]")
    assert p.locator("h1").inner_text() == "Check your mail"
    w.shot("sign-up-mailed")
    w.goto(_mailed_path(site, "wanjiru@example.org", 1, "/en/confirm"))
    assert p.locator("h1").inner_text() == "Your address is confirmed"
    w.axe()
    w.shot("confirmed")
    p.click("main a:has-text('Sign in')")
    p.fill("#email", "wanjiru@example.org")
    p.fill("#password", PASSWORD)
    w.shot("sign-in")
    p.click("form.record button[type=submit]")
    p.wait_for_selector("nav.main-nav button:has-text('Sign out')")
    p.click("nav.main-nav button:has-text('Sign out')")
    p.wait_for_selector("nav.main-nav a:has-text('Sign in')")
    # forgotten password
    w.goto("/en/sign-in")
    p.click("main a:has-text('Forgot your password?')")
    p.fill("#email", "wanjiru@example.org")
    w.axe()
    w.shot("forgot-password")
    p.click("main button[type=submit]")
    assert p.locator("h1").inner_text() == "Check your mail"
    reset = _mailed_path(site, "wanjiru@example.org", 2, "/en/password-reset/confirm")
    w.goto(reset)
    p.fill("#password", NEW_PASSWORD)
    p.fill("#password2", NEW_PASSWORD)
    w.axe()
    w.shot("new-password")
    p.click("main button[type=submit]")
    assert p.locator("h1").inner_text() == "Your password was changed"
    w.goto(reset)  # the link works once
    p.fill("#password", PASSWORD)
    p.fill("#password2", PASSWORD)
    p.click("main button[type=submit]")
    assert "was used already" in p.locator("p.errors").inner_text()
    w.shot("reset-link-used")
    w.sign_in("wanjiru@example.org", NEW_PASSWORD)
    assert p.locator("nav.main-nav a:has-text('My account')").count() == 1
    w.close()
    for lang in ("ar", "zh"):  # the same pages in a right-to-left and a CJK language
        w = _walk(site, f"account-{lang}")
        for path in ("sign-up", "password-reset"):
            w.goto(f"/{lang}/{path}")
            assert w.page.locator("html").get_attribute("lang") == lang
            w.axe()
            w.shot(path)
        w.close()


def _fill_decision(p, cna_uid: str, title: str) -> None:
    p.fill("#i-title-en", title)
    p.fill("#i-date", "2026-11-02")
    p.check("input[name='isAmendment'][value='false']")
    p.fill("#a-authorities", cna_uid)
    p.check("input[name='decisionTypes'][value='BE64016A-C3BD-4C61-9620-C3FEF96B2A24']")
    p.select_option("#i-decisionResult", "DecisionResults.approvalWithConditions")
    p.check("input[name='scopes'][value='DecisionScopes.food']")
    p.check("input[name='expires'][value='false']")
    p.fill("#a-modifiedOrganisms", "MON-00810-6")


def test_focal_point_creates_edits_and_deletes_a_national_record(site):
    svc = site["svc"]
    w = _walk(site, "nfp")
    p = w.page
    w.sign_in("nfp@example.org", PASSWORD)
    w.goto("/en/submit/biosafetyDecision")
    _fill_decision(p, site["cna"], "Approval of maize MON810 for food (focal point, browser)")
    w.shot("form")
    p.click("button[value='request']:has-text('Publish')")
    p.wait_for_url("**/en/records/BCH-DEC-CA-*-1?published=1")
    assert "Published: revision 1" in p.locator("p.success").inner_text()
    w.axe()
    w.shot("published")
    uid = re.search(r"(BCH-DEC-CA-\d+)-1", p.url).group(1)
    p.click(".record-actions a:has-text('Edit')")
    p.wait_for_url(f"**/en/records/{uid}/edit")
    assert "makes revision 2" in p.locator("main").inner_text()
    p.fill("#i-title-en", "Approval of maize MON810 for food and feed (focal point, browser)")
    p.check("input[name='scopes'][value='DecisionScopes.feed']")
    w.axe()
    w.shot("edit")
    p.click("button[value='request']:has-text('Publish')")
    p.wait_for_url(f"**/en/records/{uid}-2?published=1")
    assert "for food and feed" in p.locator("h1").inner_text()
    assert svc.records.get(uid).revision.revision == 2
    p.click(".record-actions a:has-text('Delete')")
    p.wait_for_url(f"**/en/records/{uid}/delete")
    p.fill("#reason", "Published twice by mistake (browser test)")
    w.axe()
    w.shot("delete")
    p.click("button:has-text('Delete the record')")
    assert p.locator("h1").inner_text() == "The record was deleted"
    w.shot("deleted")
    p.click("main a:has-text('See the tombstone')")
    assert "Published twice by mistake (browser test)" in p.locator("main").inner_text()
    w.axe()
    w.shot("tombstone")
    w.close()


def test_authorized_user_works_through_the_queue(site):
    svc = site["svc"]
    nau, nfp = _walk(site, "nau"), _walk(site, "queue")
    nau.sign_in("nau@example.org", PASSWORD)
    nfp.sign_in("nfp@example.org", PASSWORD)
    a, f = nau.page, nfp.page
    # publication of a new record
    nau.goto("/en/submit/biosafetyDecision")
    _fill_decision(a, site["cna"], "Approval of maize MON810 for food (authorized user, browser)")
    a.click("button[value='request']:has-text('Request publication')")
    a.wait_for_url("**/en/my?requested=**")
    nfp.goto("/en/queue")
    assert "Publication of a new record" in f.locator(".kind").first.inner_text()
    nfp.axe()
    nfp.shot("publication")
    f.click("button[value='approve']")
    f.wait_for_url("**/en/queue?done=**")
    assert "The request was approved" in f.locator("#decided").inner_text()
    nfp.shot("approved")
    f.click("#decided a:has-text('See the published record')")
    f.wait_for_url("**/en/records/BCH-DEC-CA-*-1?published=1")
    uid = re.search(r"(BCH-DEC-CA-\d+)-1", f.url).group(1)
    # a new revision
    nau.goto(f"/en/records/{uid}")
    a.click(".record-actions a:has-text('Edit')")
    a.fill("#i-title-en", "Approval of maize MON810 for food and feed (authorized user, browser)")
    a.click("button[value='request']:has-text('Request publication')")
    a.wait_for_url("**/en/my?requested=**")
    nfp.goto("/en/queue")
    assert "New revision of a published record" in f.locator(".kind").first.inner_text()
    changes = f.locator("table.changes").first
    assert "Title / reference number" in changes.inner_text()
    assert "for food and feed (authorized user" in changes.locator("ins").first.inner_text()
    assert "for food (authorized user" in changes.locator("del").first.inner_text()
    nfp.axe()
    nfp.shot("revision-diff")
    f.click("button[value='reject']")  # no reason given: said next to the request
    assert "A rejection needs a reason" in f.locator("section.request p.errors").inner_text()
    nfp.shot("reject-needs-reason")
    f.click("button[value='approve']")
    f.wait_for_url("**/en/queue?done=**")
    assert svc.records.get(uid).revision.revision == 2
    # a deletion
    nau.goto(f"/en/records/{uid}")
    a.click(".record-actions a:has-text('Request deletion')")
    a.fill("#reason", "Superseded by a later decision (browser test)")
    a.click("button:has-text('Request deletion')")
    assert a.locator("h1").inner_text() == "Deletion was requested"
    nau.shot("deletion-requested")
    nfp.goto("/en/queue")
    assert "Deletion of a published record" in f.locator(".kind").first.inner_text()
    assert "Superseded by a later decision" in f.locator("section.request").first.inner_text()
    nfp.axe()
    nfp.shot("deletion")
    f.click("button[value='approve']")
    f.wait_for_url("**/en/queue?done=**")
    f.click("#decided a:has-text('See the tombstone')")
    assert "Superseded by a later decision (browser test)" in f.locator("main").inner_text()
    nfp.shot("tombstone")
    nau.close()
    nfp.close()


def _complete_mon810(svc) -> str:
    """MON810 of this database with the fields a publication requires (real facts: particle
    gun, vector PV-ZMBK07, cry1Ab), as a new revision; its UID base."""
    from bch.records.oecd_uid import parse_uid

    found = svc.lmos.find(parse_uid("MON-ØØ81Ø-6").canonical)
    gene = factories.gene("cry1Ab")
    svc.records.publish(gene, strict=False)
    doc = dict(found.record.document)
    doc.update(
        description={"en": "Maize event MON810, insect resistant (Cry1Ab)."},
        vector={"en": "PV-ZMBK07"},
        techniqueUsed=[{"identifier": "techniqueUsed.biolistic"}],
        genes=[{"identifier": gene["header"]["identifier"]}],
    )
    svc.records.publish(doc, strict=False)
    return found.record.doc.uid_base


def test_lmo_page_edit_and_delete_buttons(site):
    """The Secretariat edits MON810 from its LMO page and publishes a new revision; an anonymous
    reader sees no button; a focal point may only propose (Edit, Request deletion)."""
    svc = site["svc"]
    svc.accounts.add_user("scbd@example.org", role="secretariat", password=PASSWORD)
    base = _complete_mon810(svc)
    before = svc.records.get(base).revision.revision
    lmo_page = "/en/lmos/" + "MON-ØØ81Ø-6"
    anon = _walk(site, "lmo-anonymous")
    anon.goto(lmo_page)
    assert anon.page.locator("h1").count() == 1
    assert anon.page.locator(".record-actions").count() == 0
    r = anon.page.request.post(f"{site['base']}/en/records/{base}/delete", form={"reason": "x"})
    assert r.status in (401, 403)  # no session: refused, nothing deleted
    anon.close()
    nfp = _walk(site, "lmo-nfp")
    nfp.sign_in("nfp@example.org", PASSWORD)
    nfp.goto(lmo_page)
    labels = nfp.page.locator(".record-actions a").all_inner_texts()
    assert labels == ["Edit", "Request deletion"]
    nfp.close()
    w = _walk(site, "lmo-secretariat")
    p = w.page
    w.sign_in("scbd@example.org", PASSWORD)
    w.goto(lmo_page)
    assert p.locator(".record-actions a").all_inner_texts() == ["Edit", "Delete"]
    w.axe()
    w.shot("lmo-page-actions")
    p.click(".record-actions a:has-text('Edit')")
    p.wait_for_url(f"**/en/records/{base}/edit")
    p.fill("#i-identity-en", "YieldGard™; MaizeGard™ (edited in the browser test)")
    w.axe()
    w.shot("lmo-edit")
    p.click("button[value='request']:has-text('Publish')")
    p.wait_for_url(f"**/en/records/{base}-{before + 1}?published=1")
    assert f"Published: revision {before + 1}" in p.locator("p.success").inner_text()
    after = svc.records.get(base)
    assert after.revision.revision == before + 1
    assert "edited in the browser test" in after.document["identity"]["en"]
    p.click(".record-actions a:has-text('Delete')")
    p.wait_for_url(f"**/en/records/{base}/delete")
    assert p.locator("button:has-text('Delete the record')").count() == 1  # the confirmation
    assert p.locator("form.record input[name='csrf']").count() == 1
    w.shot("lmo-delete-confirmation")
    p.click("a.button:has-text('Cancel')")  # not deleted: the LMO stays published
    assert svc.records.get(base).doc.deleted_at is None
    w.close()
