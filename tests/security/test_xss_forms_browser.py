"""The XSS corpus (tests/security/xss_corpus.py) in forms that show user input again, proven inert
in chromium with the Content-Security-Policy bypassed (only the templates' escaping stands in
the way): a record's edit form in the six languages, the form of a draft of it, a forum thread
started and a consultation comment posted through the browser with the payloads, and the pages
showing them. No dialog opens, no payload sets `window.__xss`, the DOM has no inline script,
event handler or javascript: URL, and each field holds exactly the text that was typed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bch.services.container import Services
from bch.storage.rows import utcnow
from tests import factories
from tests.oai.live import live_server
from tests.security.xss_corpus import LANGS, MARK, PAYLOADS, RAN, hostile_name, hostile_names
from tests.web.browser import Walk, require_chromium
from tests.web.conftest import PASSWORD

sync_api = require_chromium()
pytestmark = pytest.mark.xdist_group("browser-2")
NFP = "nfp.ca@example.org"
USER = "lucia@example.org"
# as tests/web/test_rich_text_browser.py's DOM_PROBLEMS, except that a form field's value may
# hold "javascript:" as text: only attributes a browser follows or runs are looked at
PROBLEMS = """() => {
  const out = [];
  for (const s of document.querySelectorAll('script')) {
    if (!s.src || s.textContent.trim()) out.push('script: ' + s.outerHTML.slice(0, 80));
  }
  const urls = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on')) out.push(el.tagName + ' ' + a.name);
      const v = a.value.replace(/\\s+/g, '').toLowerCase();
      if (urls.includes(name) && v.includes('javascript:')) out.push(el.tagName + ' ' + name);
    }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, svg, math')) {
    if (!el.closest('.map, .worldmap, [data-map]')) out.push('element: ' + el.tagName);
  }
  return out;
}"""
FIELDS = "() => [...document.querySelectorAll('input, textarea')].map(e => e.value)"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, Services, str, str]]:
    svc = Services.open(f"sqlite:///{tmp_path_factory.mktemp('xss-forms') / 'bch.db'}")
    svc = svc.configured(BCH_RATE_LIMIT="off")
    svc.form_guard.min_seconds = 0
    svc.accounts.add_user(NFP, role="nfp", country="CA", password=PASSWORD, by="test")
    svc.accounts.add_user(USER, password=PASSWORD, by="test")
    scbd = svc.accounts.add_user("scbd@example.org", role="secretariat", password=PASSWORD, by="t")
    doc = factories.authority("CA", languages=LANGS)
    doc["name"] = hostile_names()
    uid = svc.records.publish(doc).uid
    with svc.engine.connect() as conn:
        secretariat = svc.accounts.users.principal(conn, scbd)
    forum = svc.forums.create(
        secretariat,
        {"id": "xss-forum", "title": {"en": hostile_name("en")[:300]}, "premoderation": False},
    )
    closes = (utcnow() + timedelta(days=5)).date().isoformat()
    nfp = svc.accounts.users.principal(svc.engine.connect(), svc.accounts.add_user(
        "nfp.ke@example.org", role="nfp", country="KE", password=PASSWORD, by="test"
    ))  # fmt: skip
    con = svc.consultations.create(
        nfp,
        {
            "country": "KE",
            "title": {"en": hostile_name("en", 1)[:300]},
            "summary": {"en": hostile_name("en", 2)},
            "closesAt": closes,
            "moderation": "after",
        },
    )
    with live_server(svc) as base:
        yield base, svc, uid, f"{forum['id']}|{con['id']}"
    svc.close()


def inert(walk: Walk, dialogs: list[str], what: str) -> None:
    walk.page.wait_for_load_state("load")
    assert walk.page.evaluate(RAN) is None, what
    assert dialogs == [], what
    assert walk.page.evaluate(PROBLEMS) == [], what


def walker(browser, base: str, name: str, email: str) -> tuple[Walk, list[str]]:
    walk = Walk(browser, base, name)
    dialogs: list[str] = []
    walk.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    walk.sign_in(email, PASSWORD)
    return walk, dialogs


def test_edit_and_draft_forms_hold_the_payloads_as_typed(site, browser):
    base, svc, uid, _ = site
    names = hostile_names()
    walk, dialogs = walker(browser, base, "xss-edit", NFP)
    for lang in LANGS:
        r = walk.goto(f"/{lang}/records/{uid}/edit")
        assert r.status == 200, (lang, r.status)
        inert(walk, dialogs, f"edit form {lang}")
        values = walk.page.evaluate(FIELDS)
        assert set(names.values()) <= set(values), (lang, [v for v in values if MARK in v])
    # save it as a draft from the form: the draft's form shows the same text again
    walk.page.locator("form.record button[type=submit]").first.click()
    walk.page.wait_for_load_state("load")
    identifier = factories_identifier(svc, uid)
    for lang in LANGS:
        r = walk.goto(f"/{lang}/submit/authority?draft={identifier}")
        assert r.status == 200, (lang, r.status)
        inert(walk, dialogs, f"draft form {lang}")
        assert set(names.values()) <= set(walk.page.evaluate(FIELDS)), lang
    walk.close()


def factories_identifier(svc: Services, uid: str) -> str:
    return svc.records.get(uid).doc.identifier


def test_forum_thread_and_consultation_comment_typed_in_the_browser(site, browser):
    base, _svc, _uid, ids = site
    forum, consultation = ids.split("|")
    walk, dialogs = walker(browser, base, "xss-participation", USER)
    walk.goto(f"/en/forums/{forum}")
    inert(walk, dialogs, "forum")
    walk.page.fill("#thread-title", hostile_name("en", 3)[:300])
    walk.page.fill("#thread-text", hostile_name("fr", 4))
    walk.page.click("#start-thread")
    walk.page.wait_for_selector("li.post")
    inert(walk, dialogs, "thread")
    text = walk.page.inner_text("body")
    assert hostile_name("en", 3)[:300].split(" ")[0] in text and PAYLOADS[0] in text
    walk.goto(f"/en/consultations/{consultation}")
    inert(walk, dialogs, "consultation")
    assert PAYLOADS[0] in walk.page.inner_text("body")
    walk.page.fill("#comment-form textarea[name=text]", hostile_name("ar", 5))
    walk.page.locator("#comment-form input[name=consent]").check()
    walk.page.locator("#comment-form button[type=submit]").click()
    walk.page.wait_for_load_state("load")
    inert(walk, dialogs, "consultation after the comment")
    assert MARK + "5" in walk.page.inner_text("body")
    walk.close()
