"""Rich text in a real browser (issue 17): chromium, with the Content-Security-Policy bypassed so
that only the sanitiser stands between the attacks and the page, opens the LMO page, a record
page, the revision diff, the search pages and the embeds of records whose every rich-text field
holds attacks stored unsanitised. No dialog opens, the DOM has no inline script, event handler
or javascript: URL, and the allowed tags render as elements ("R&D costs < 5%" reads as typed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest

from bch.services.container import Services
from tests import factories
from tests.oai.live import live_server
from tests.web.rich_text_helpers import plant_unsanitised, rich_document

pytestmark = pytest.mark.xdist_group("browser-2")

TYPED = "R&D costs < 5%"
DOM_PROBLEMS = """() => {
  const out = [];
  for (const s of document.querySelectorAll('script')) {
    if (!s.src || s.textContent.trim()) out.push('script: ' + s.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.replace(/\\s+/g, '').toLowerCase();
      if (a.name.toLowerCase().startsWith('on')) out.push(el.tagName + ' ' + a.name);
      if (v.includes('javascript:')) out.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, math, .rich style')) {
    out.push('element: ' + el.tagName);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    svc = Services.open(f"sqlite:///{tmp_path_factory.mktemp('rich') / 'bch.db'}")
    org = factories.organization("Monsanto Canada Inc.")
    svc.records.publish(org, strict=False)
    rt = svc.registry.record_type("modifiedOrganism")
    lmo = rich_document(rt, lambda path: f"lmo-{path}")
    lmo.update(
        transformationEvent="MON810",
        hasUniqueIdentification=True,
        uniqueIdentification="MON-ØØ81Ø-6",
        developers=[{"identifier": org["header"]["identifier"]}],
        description={"en": f"<p>{TYPED} <b>bold</b></p>"},
    )
    lmo_uid = svc.records.publish(lmo, strict=False).uid
    decision_rt = svc.registry.record_type("biosafetyDecision")
    first = rich_document(decision_rt, lambda path: f"one-{path}")
    second = {**rich_document(decision_rt, lambda p: f"two-{p}"), "header": first["header"]}
    svc.records.publish(first, strict=False)
    decision_uid = svc.records.publish(second, strict=False).uid
    plant_unsanitised(svc, lmo["header"]["identifier"], lmo, 1)
    plant_unsanitised(svc, first["header"]["identifier"], first, 1)
    plant_unsanitised(svc, first["header"]["identifier"], second, 2)

    with live_server(svc) as base:
        yield base, {"lmo": lmo_uid, "decision": decision_uid.rsplit("-", 1)[0]}
    svc.close()


def test_attacks_stay_inert_and_allowed_tags_render_in_chromium(site, chromium):
    base, uids = site
    pages = [
        "/en/lmos/MON-%C3%98%C3%9881%C3%98-6",
        f"/en/records/{uids['decision']}",
        f"/en/records/{uids['decision']}/diff?from=1&to=2",
        "/en/search?q=two-relevantInformation",
        "/embed/search?q=two-relevantInformation",
        f"/embed/records/{uids['lmo']}",
        f"/embed/records/{uids['decision']}",
    ]
    dialogs: list[str] = []
    with closing(chromium.new_context(bypass_csp=True)) as context:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in pages:
            assert page.goto(base + path).status == 200, path
            page.wait_for_load_state("load")
            assert page.evaluate(DOM_PROBLEMS) == [], path
            if path.startswith("/en/lmos/"):
                assert page.locator(".rich b").all_inner_texts() == ["bold"]
                assert TYPED in page.locator(".rich").first.inner_text()
                assert page.get_by_text("lmo-relevantInformation").count() == 1
            if path.startswith(f"/embed/records/{uids['lmo']}"):
                assert page.locator(".summary b").inner_text() == "bold"
                assert TYPED in page.locator(".summary").inner_text()
    assert dialogs == []
