"""The XSS corpus (tests/security/xss_corpus.py) on the pages the record-page tests do not reach:
the publishing queue of a focal point and a user's own drafts and requests (a draft's title and
a request's message), a saved customs check (the shipment document's text), an e-learning
certificate (the learner's name), the alerts' management page (a subscription's search), in
several languages. Chromium, with the Content-Security-Policy bypassed so that only the
templates' escaping stands in the way: no dialog opens, nothing sets `window.__xss`, the DOM has
no inline script, event handler or javascript: URL, and the payload reads as typed.

One server and one browser for the whole module (the pages are only read)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.learning.content import load_modules
from bch.services.container import Services
from bch.services.policy import Principal
from tests import factories
from tests.accounts.helpers import PASSWORD, add_user, bearer
from tests.oai.live import live_server
from tests.security.xss_corpus import MARK, MORE, PAYLOADS, RAN, hostile_names
from tests.web.browser import require_chromium
from tests.web.test_rich_text_browser import DOM_PROBLEMS

sync_api = require_chromium()
pytestmark = pytest.mark.xdist_group("browser-2")
LANGS_SHOWN = ("en", "ar", "zh")  # left to right, right to left, CJK
# short enough for the fields with a length limit (an alert's search, a learner's name)
SHORT = f"{MARK} {PAYLOADS[0]} {PAYLOADS[1]} {MORE[3]}"
MODULE = "customs-cpb"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    svc = Services.open(f"sqlite:///{tmp_path_factory.mktemp('xss-more') / 'bch.db'}")
    svc = svc.configured(BCH_RATE_LIMIT="off")
    add_user(svc, "nfp@example.org", "nfp", "CA", password=PASSWORD)
    nau = add_user(svc, "nau@example.org", "nau", "CA", password=PASSWORD)
    paths: dict[str, str] = {}
    api = TestClient(create_app(svc))
    auth = bearer(api, "nau@example.org")
    # a draft named with the corpus, and its publishing request with the corpus as message
    doc = factories.authority("CA", languages=("en", "fr", "es", "ru", "zh", "ar"))
    doc["name"] = hostile_names()
    ident = doc["header"]["identifier"]
    assert api.put(f"/api/v1/drafts/{ident}", json=doc, headers=auth).status_code == 201
    r = api.post(
        f"/api/v1/drafts/{ident}/publish", json={"message": hostile_names()["en"]}, headers=auth
    )
    assert r.status_code == 202, r.text
    # a saved customs check of a shipment document holding the corpus
    text = "\n".join(
        [
            f"Exporter: {MARK} {PAYLOADS[0]} {PAYLOADS[1]}",
            f"Contact for further information: {MARK} {PAYLOADS[0]} {MORE[1]} lmo@example.org",
            f"Intended use: food and feed {MARK} {PAYLOADS[0]} {PAYLOADS[4]}",
            f"1     {PAYLOADS[0]} maize {PAYLOADS[2]}      MON-ØØ81Ø-6   12.0   3.00",
            f"This shipment may contain living modified organisms {MARK} {PAYLOADS[0]} {MORE[0]}",
        ]
    )
    r = api.post("/api/v1/customs/check", json={"text": text, "destination": "CA", "save": True})
    assert r.status_code == 200, r.text
    paths["customs"] = f"customs/checks/{r.json()['id']}"
    # a learner named with the corpus earns a certificate
    me = Principal(user_id=nau.user_id, email="nau@example.org")
    for lesson in load_modules()[MODULE].text("en").lessons:
        answers = [q.answer for q in lesson.quiz]
        assert svc.learning.answer(me, MODULE, lesson.id, "en", answers)["passed"]
    paths["certificate"] = (
        f"learning/certificates/{svc.learning.certify(me, MODULE, 'en', SHORT).id}"
    )
    # an alert subscription whose search is the corpus
    sub = svc.alerts.subscribe({"email": "reader@example.org", "filters": {"q": SHORT}})
    paths["alerts"] = f"alerts/manage?token={sub.token}"
    with live_server(svc) as base:
        yield base, paths
    svc.close()


def _inert(page, url: str, *, shown: str | None = MARK) -> str:
    """Open `url`, check nothing ran and no active content is in the DOM; the page's text."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, url
    page.wait_for_load_state("load")
    assert page.evaluate(DOM_PROBLEMS) == [], url
    assert page.evaluate(RAN) is None, url
    assert dialogs == [], (url, dialogs)
    text = page.inner_text("body")
    if shown:
        assert shown in text, url
    return text


def _signed_in(browser, base: str, email: str):
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{base}/en/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.record button[type=submit]")
    page.wait_for_load_state()
    return page


def test_queue_and_my_requests_hold_the_payloads_as_text(site, browser):
    base, _paths = site
    nfp = _signed_in(browser, base, "nfp@example.org")
    nau = _signed_in(browser, base, "nau@example.org")
    for lang in LANGS_SHOWN:
        text = _inert(nfp, f"{base}/{lang}/queue")
        assert PAYLOADS[0] in text  # typed, shown as text
        text = _inert(nau, f"{base}/{lang}/my")
        assert PAYLOADS[0] in text
    nfp.context.close()
    nau.context.close()


def test_customs_certificate_and_alert_pages_hold_the_payloads_as_text(site, browser):
    base, paths = site
    page = browser.new_context(bypass_csp=True).new_page()
    for lang in LANGS_SHOWN:
        for name in ("customs", "certificate", "alerts"):
            text = _inert(page, f"{base}/{lang}/{paths[name]}")
            assert PAYLOADS[0] in text, (lang, name)
    page.context.close()
