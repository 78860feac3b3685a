"""In a real browser (Playwright driving Debian's chromium, a real server on 127.0.0.1 over a copy
of the shipped data): a customs officer checks an invoice, prints it (print media), saves and
opens the shared link; a learner signs in, completes the customs e-learning module in French
(every lesson's quiz, one failed and retried), gets the certificate and verifies it, and the
certificate PDF downloads. Pages are checked with axe-core; screenshots in test-artifacts/ with
`make screenshots`."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from bch.learning.content import load_modules
from bch.services.container import Services
from tests.oai.live import live_server
from tests.templates import shipped_copy
from tests.web.conftest import PASSWORD
from tests.web.test_browser import Walk

pytestmark = pytest.mark.xdist_group("browser-2")
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def server(request, tmp_path_factory) -> Iterator[tuple[str, Services]]:
    with shipped_copy(request, "sqlite", tmp_path_factory.mktemp("customs"), "customs") as svc:
        svc.accounts.add_user("officer@example.org", password=PASSWORD)
        with live_server(svc) as base:
            yield base, svc


@pytest.fixture(scope="module")
def browser(server, chromium):
    return chromium  # the worker's chromium (tests/conftest.py); each Walk has its own context


def test_shipment_check_print_save_share(server, browser):
    base, _svc = server
    w = Walk(browser, base, "customs", viewport={"width": 1280, "height": 900})
    w.goto("/en/customs")
    w.axe()
    w.page.fill("#text", (FIXTURES / "03_wrong_identifiers.txt").read_text(encoding="utf-8"))
    w.page.select_option("#destination", "CA")
    w.page.click("button[type=submit]:has-text('Check the shipment')")
    w.page.wait_for_selector("#result")
    rows = w.page.locator("table.customs-items tbody tr")
    assert rows.count() == 6
    assert "Malformed identifier" in rows.nth(0).inner_text()
    assert "Unknown identifier" in rows.nth(1).inner_text()
    assert w.page.locator("tr.verdict-approved").count() == 2
    w.axe()
    w.shot("result")
    w.page.emulate_media(media="print")
    assert not w.page.locator("header.site").is_visible()
    assert not w.page.locator("#customs-form").is_visible()
    assert w.page.locator("table.customs-items").is_visible()
    w.shot("print")
    w.page.emulate_media(media="screen")
    w.page.fill("#text", (FIXTURES / "07_seed_for_planting.txt").read_text(encoding="utf-8"))
    w.page.check("input[name=save]")
    w.page.click("button[type=submit]:has-text('Check the shipment')")
    w.page.wait_for_url("**/en/customs/checks/**")
    link = w.page.locator("#share-link").get_attribute("href")
    other = Walk(browser, base, "customs-shared")  # someone else opens the shared link
    other.goto(link.replace("/en/", "/es/"))
    assert other.page.locator("tr.verdict-no_decision").count() == 1  # StarLink, to plant
    assert "Verificación de envíos" in other.page.locator("h1").inner_text()
    other.shot("shared")
    other.close()
    w.close()


def test_learner_completes_the_module_and_gets_the_certificate(server, browser):
    base, _svc = server
    module = load_modules()["customs-cpb"]
    w = Walk(browser, base, "learning", viewport={"width": 1280, "height": 900})
    w.goto("/fr/sign-in")
    w.page.fill("#email", "officer@example.org")
    w.page.fill("#password", PASSWORD)
    w.page.click("button[type=submit]")
    w.goto("/fr/learning")
    w.axe()
    w.page.click("ul.results a:has-text('Protocole de Cartagena')")
    w.page.wait_for_url("**/fr/learning/customs-cpb")
    w.axe()
    w.page.click("ol.lessons a >> nth=0")
    for n, lesson in enumerate(module.text("fr").lessons):
        w.page.wait_for_url(f"**/fr/learning/customs-cpb/{lesson.id}")
        assert lesson.title in w.page.locator("h1").inner_text()
        if n == 0:  # a wrong first try, then the right answers
            for i, q in enumerate(lesson.quiz):
                w.page.check(f"input[name=q{i}][value='{(q.answer + 1) % len(q.choices)}']")
            w.page.click("#quiz button[type=submit]")
            assert "Non réussi" in w.page.locator("#outcome").inner_text()
            w.axe()
        for i, q in enumerate(lesson.quiz):
            w.page.check(f"input[name=q{i}][value='{q.answer}']")
        w.page.click("#quiz button[type=submit]")
        assert "Réussi" in w.page.locator("#outcome").inner_text()
        w.shot(f"lesson-{n + 1}")
        nxt = w.page.locator("#next-lesson")
        (nxt if nxt.count() else w.page.locator("#module-home")).click()
    w.page.wait_for_url("**/fr/learning/customs-cpb")
    assert w.page.locator("[data-lesson]").count() == 5
    w.page.fill("#name", "Awa Diop")
    w.page.click("#get-certificate")
    w.page.wait_for_url("**/fr/learning/certificates/**")
    assert w.page.locator("#learner").inner_text() == "Awa Diop"
    w.axe()
    w.shot("certificate")
    verify_url = w.page.url
    with w.page.expect_download() as dl:
        w.page.evaluate(
            "() => { const a = document.getElementById('certificate-pdf');"
            " a.setAttribute('download', 'certificate.pdf'); a.click(); }"
        )
    pdf = Path(dl.value.path()).read_bytes()
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Awa Diop" in text and "Certificat de réussite" in text
    assert verify_url.split("/")[-1] in text
    anyone = Walk(browser, base, "verify")  # the public verification link, signed out
    anyone.goto(verify_url.replace(base, ""))
    assert "Awa Diop" in anyone.page.locator("#learner").inner_text()
    anyone.close()
    w.close()
