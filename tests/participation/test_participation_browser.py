"""In a real browser (Playwright driving Debian's chromium, a real server on 127.0.0.1, a real SMTP
server): a Kenyan focal point opens a consultation in French with a document, a visitor comments
by e-mail and confirms through the link of the mail, the authority moderates, closes, publishes
its response and links the decision record, whose page links back; then a forum discussion in
Spanish and English with pre-moderation and a post hidden with its reason. Pages are checked with
axe-core; screenshots in test-artifacts/ with `make screenshots`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from bch.services.container import Services
from bch.services.mail import MailSettings
from bch.services.policy import Principal
from bch.storage.rows import utcnow
from tests.accounts.helpers import Mailbox, _free_port, kenyan_authority, kenyan_decision
from tests.oai.live import live_server
from tests.web.browser import Walk, require_chromium
from tests.web.conftest import PASSWORD

sync_api = require_chromium()
pytestmark = pytest.mark.xdist_group("browser-2")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Services, Mailbox]]:
    path = tmp_path_factory.mktemp("participation") / "bch.db"
    svc = Services.open(f"sqlite:///{path}")
    box = Mailbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    svc.mailer.settings = MailSettings(host="127.0.0.1", port=box.port, sender="bch@test.local")
    svc.form_guard.min_seconds = 0.3  # BCH_FORM_MIN_SECONDS: a real wait, kept short
    svc.accounts.add_user(
        "nfp.ke@example.org", role="nfp", country="KE", password=PASSWORD, by="test"
    )
    svc.accounts.add_user("scbd@example.org", role="secretariat", password=PASSWORD, by="test")
    svc.accounts.add_user("lucia@example.org", password=PASSWORD, by="test")
    try:
        with live_server(svc) as base:
            yield base, svc, box
    finally:
        controller.stop()
        svc.close()


@pytest.fixture(scope="module")
def browser(server, chromium):
    return chromium  # the worker's chromium (tests/conftest.py); each Walk has its own context


def test_a_full_consultation_in_french(server, browser):
    base, svc, box = server
    cna = kenyan_authority()
    svc.records.publish(cna, strict=False)
    decision = svc.records.publish(
        kenyan_decision(
            cna["header"]["identifier"], "Approval of MON 87411", "Approbation du maïs MON 87411"
        ),
        strict=False,
    )
    authority = Walk(browser, base, "consultation-authority")
    authority.sign_in("nfp.ke@example.org", PASSWORD, "fr")
    authority.goto("/fr/consultations")
    authority.page.click("#new-consultation")
    authority.page.fill("#country", "KE")
    authority.page.fill("#title", "Importation du maïs MON 87411 pour l'alimentation")
    authority.page.fill("#summary", "Demande d'importation pour l'alimentation humaine et animale.")
    authority.page.fill("#lmo", "MON-87411-9")
    authority.page.select_option("#intendedUse", "food")
    authority.page.fill("#closesAt", (utcnow() + timedelta(days=30)).date().isoformat())
    authority.page.set_input_files(
        "#document",
        files=[
            {"name": "demande.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
        ],
    )
    authority.page.fill("#document_name", "Dossier de demande")
    authority.page.click("#open-consultation")
    authority.page.wait_for_selector("#consultation-status")
    url = authority.page.url.removeprefix(base)
    assert authority.page.locator("#documents").inner_text().strip() == "Dossier de demande"
    authority.axe()

    visitor = Walk(browser, base, "consultation-visitor")
    visitor.goto(url)
    visitor.page.fill("#name", "Achieng Otieno")
    visitor.page.fill("#email", "achieng@example.org")
    visitor.page.fill("#text", "Merci de publier les données des essais au champ.")
    visitor.page.check("#consent")
    visitor.page.wait_for_timeout(350)  # BCH_FORM_MIN_SECONDS (0.3 s here)
    visitor.page.click("#send-comment")
    visitor.page.wait_for_selector("#comment-done")
    visitor.axe()
    visitor.shot("sent")
    mail = box.wait_for("achieng@example.org")[0]
    link = re.search(r"http\S+(/fr/consultations/confirm/\S+)", Mailbox.body(mail)).group(1)
    visitor.goto(link)  # the mail's link is on BCH_PUBLIC_URL; the test server has its own port
    visitor.page.click("#confirm-button")  # opening the link confirms nothing: the button does
    assert "modération" in visitor.page.locator("#confirmed").inner_text()

    authority.goto(url)
    comment = authority.page.locator("ol.comments li[data-status=pending]")
    assert "Achieng Otieno" in comment.inner_text()
    comment.locator("button[value=publish]").click()
    authority.page.wait_for_selector("ol.comments li[data-status=published]")
    authority.page.click("#close-consultation")
    authority.page.wait_for_selector("#response-form")
    assert authority.page.locator("#consultation-status").inner_text() == "Close"
    authority.page.fill(
        "#response-text", "Les données des essais au champ ont été publiées en annexe."
    )
    authority.page.fill("#decision", decision.uid)
    authority.page.click("#publish-response")
    authority.page.wait_for_selector("#decision-link")
    authority.axe()
    authority.shot("answered")
    authority.page.click("#decision-link")
    authority.page.wait_for_selector("#consultation-links")
    assert "MON 87411" in authority.page.locator("#consultation-links").inner_text()

    visitor.goto(url)
    text = visitor.page.locator("#comments").inner_text()
    assert "Merci de publier" in text and visitor.page.locator("#comment-form").count() == 0
    assert "annexe" in visitor.page.locator("#response").inner_text()
    assert visitor.page.locator("#comments li[lang=fr]").count() == 1
    visitor.close()
    authority.close()


def test_a_moderated_forum_discussion_in_spanish_and_english(server, browser):
    base, svc, _box = server
    scbd = Principal(user_id=2, email="scbd@example.org", roles=frozenset({("secretariat", None)}))
    svc.forums.create(
        scbd,
        {
            "id": "engaging-the-public",
            "title": {
                "en": "Techniques for engaging the public",
                "es": "Técnicas para involucrar al público",
            },
            "groups": [{"en": "Workshops", "es": "Talleres"}],
            "premoderation": True,
        },
    )
    lucia = Walk(browser, base, "forum-participant")
    lucia.sign_in("lucia@example.org", PASSWORD, "es")
    lucia.goto("/es/forums")
    lucia.page.click("text=Técnicas para involucrar al público")
    lucia.page.fill("#thread-title", "Talleres en las escuelas")
    lucia.page.fill("#thread-text", "Organizamos talleres sobre bioseguridad en las escuelas.")
    lucia.page.wait_for_timeout(350)
    lucia.page.click("#start-thread")
    lucia.page.wait_for_selector("li.post[data-status=pending]")
    thread = lucia.page.url.removeprefix(base)
    lucia.axe()

    mod = Walk(browser, base, "forum-moderator")
    mod.sign_in("scbd@example.org", PASSWORD, "en")
    mod.goto(thread.replace("/es/", "/en/"))
    mod.page.locator("li.post[data-status=pending] button[value=publish]").click()
    mod.page.wait_for_selector("li.post[data-status=published]")
    mod.page.locator("details summary").first.click()
    mod.page.locator("details textarea").first.fill("Thank you: could you share the material?")
    mod.page.locator("details select").first.select_option("en")
    mod.page.wait_for_timeout(350)
    mod.page.locator("details button[type=submit]").first.click()
    mod.page.wait_for_selector("ol.replies li.post[lang=en]")
    reply = mod.page.locator("ol.replies li.post[lang=en]")
    reply.locator("input[name=reason]").fill("Duplicate of another message")
    reply.locator("button[value=hide]").click()
    mod.page.wait_for_selector("li.post[data-status=hidden]")
    mod.axe()
    mod.shot("moderated")

    lucia.goto(thread)
    hidden = lucia.page.locator("li.post[data-status=hidden]")
    assert "Duplicate of another message" in hidden.inner_text()
    assert "share the material" not in hidden.inner_text()
    assert lucia.page.locator("li.post[lang=es]").count() == 1
    lucia.shot("thread")
    lucia.close()
    mod.close()
