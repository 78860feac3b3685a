"""Pages that write: a national user submits a two-language decision, the focal point approves
it; inline validation; CSRF; revision history, differences and tombstones. Both backends."""

from __future__ import annotations

import copy
import re
from html import unescape
from urllib.parse import quote

from tests.web.conftest import MON810, client, hidden, sign_in

Q = quote(MON810, safe="")


def decision_form(small, html: str, **extra) -> dict:
    cna = small["cna"]["header"]["identifier"]
    return {
        "csrf": hidden(html, "csrf"),
        "identifier": hidden(html, "identifier"),
        "etag": hidden(html, "etag"),
        "header.languages": ["en", "fr"],
        "government": "CA",
        "isAmendment": "false",
        "authorities": cna,
        "title.en": "Approval of maize MON810 for food and feed",
        "title.fr": "Autorisation du maïs MON810 pour l'alimentation humaine et animale",
        "date": "2026-11-01",
        "decisionTypes": "BE64016A-C3BD-4C61-9620-C3FEF96B2A24",
        "decisionResult": "DecisionResults.approval",
        "scopes": ["DecisionScopes.food", "DecisionScopes.feed"],
        "expires": "false",
        "modifiedOrganisms.add": "MON-00810-6",
        **extra,
    }


def test_national_user_submits_and_focal_point_approves(small):
    svc = small["svc"]
    nau = client(svc)
    assert nau.get("/en/submit/biosafetyDecision").status_code == 401
    sign_in(nau, "nau@example.org")
    form = nau.get("/en/submit/biosafetyDecision").text
    assert 'data-shown-when="' in form  # amendedRecords appears only for amendments
    # `contains` also holds for narrower terms: the LMO-FFP fields list them for the script
    uses = re.search(r'id="f-uses" data-shown-when="([^"]*)"', form)
    assert uses and "DecisionTypes.ffpDomesticUse" in unescape(uses.group(1))
    assert 'role="tab"' in form and '<option value="CA" selected>' in form
    # first save without the mandatory decision types: the form comes back with the problem
    data = decision_form(small, form, action="save")
    del data["decisionTypes"]
    r = nau.post("/en/submit/biosafetyDecision", data=data)
    assert r.status_code == 200 and "The draft was saved." in r.text
    assert (
        'href="#f-decisionTypes"' in r.text
        and 'class="form-field invalid" id="f-decisionTypes"' in r.text
    )
    assert "Autorisation du maïs MON810" in r.text  # the entered values are kept
    # complete it and request publication
    data = decision_form(small, r.text, action="request")
    r = nau.post("/en/submit/biosafetyDecision", data=data)
    assert r.status_code == 303 and r.headers["location"].startswith("/en/my?requested=")
    mine = nau.get(r.headers["location"]).text
    assert "Publication was requested" in mine and "Waiting for a decision" in mine
    ident = data["identifier"]
    assert nau.get(f"/en/drafts/{ident}").status_code == 200
    # the focal point sees it in the queue and approves
    nfp = client(svc)
    sign_in(nfp, "nfp@example.org", "fr")
    queue = nfp.get("/fr/queue").text
    assert "Approval of maize MON810" in queue or "Autorisation du maïs" in queue
    request_id = re.search(r'action="/fr/queue/(\d+)"', queue).group(1)
    r = nfp.post(
        f"/fr/queue/{request_id}", data={"csrf": hidden(queue, "csrf"), "decision": "approve"}
    )
    assert r.status_code == 303
    assert "Aucune demande ne vous attend." in nfp.get("/fr/queue").text
    record = svc.records.get(ident)
    assert record.document["title"]["fr"].startswith("Autorisation du maïs MON810")
    assert record.document["modifiedOrganisms"] == [
        {"identifier": small["lmo"]["header"]["identifier"]}
    ]
    # the public LMO page now shows Canada's decision, in French
    page = client(svc).get(f"/fr/lmos/{Q}").text
    assert "Autorisation du maïs MON810" in page and 'class="c st-approved"' in page


def test_forms_refuse_a_missing_csrf_token(small):
    c = client(small["svc"])
    sign_in(c, "nau@example.org")
    form = c.get("/en/submit/biosafetyDecision").text
    data = decision_form(small, form, action="save")
    data["csrf"] = "forged"
    r = c.post("/en/submit/biosafetyDecision", data=data)
    assert r.status_code == 403 and "Not allowed" in r.text


def test_every_bch_record_type_has_a_form(small):
    c = client(small["svc"])
    sign_in(c, "nfp@example.org")
    index = c.get("/en/submit").text
    names = re.findall(r'href="/en/submit/(\w+)"', index)
    assert len(names) == len(small["svc"].registry.realms["BCH"].schemas)
    for name in names:
        r = c.get(f"/en/submit/{name}")
        assert r.status_code == 200, name
        assert len(r.content) < 200_000, name


def test_account_tokens_and_sign_out(small):
    c = client(small["svc"])
    sign_in(c, "nfp@example.org")
    page = c.get("/en/account").text
    assert "National focal point" in page and "Canada" in page
    r = c.post(
        "/en/account/tokens",
        data={"csrf": hidden(page, "csrf"), "name": "ci", "scope": "read", "days": "7"},
    )
    assert r.status_code == 200 and "shown only once" in r.text
    token = re.search(r'<p class="mono">([^<]+)</p>', r.text).group(1)
    api = client(small["svc"]).get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and api.json()["email"] == "nfp@example.org"
    token_id = re.search(r"/en/account/tokens/(\d+)/revoke", r.text).group(1)
    r = c.post(f"/en/account/tokens/{token_id}/revoke", data={"csrf": hidden(page, "csrf")})
    assert r.status_code == 303
    assert (
        client(small["svc"])
        .get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 401
    )
    r = c.post("/en/sign-out", data={"csrf": hidden(page, "csrf")})
    assert r.status_code == 303 and c.get("/en/account").status_code == 401


def test_history_diff_and_tombstone(small):
    svc = small["svc"]
    organism = copy.deepcopy(small["organism"])
    organism["plantCultivar"] = "B73"
    svc.records.publish(organism, strict=False)
    view = svc.records.get(organism["header"]["identifier"])
    base = view.doc.uid_base
    c = client(svc)
    history = c.get(f"/en/records/{base}/history").text
    assert f"/en/records/{base}/diff?from=1&amp;to=2" in history
    diff = c.get(f"/en/records/{base}/diff?from=1&to=2").text
    assert "Plant cultivar" in diff and "<ins>B73</ins>" in diff
    old = c.get(f"/en/records/{base}-1?revision=1").text
    assert "This is an older revision" in old
    svc.records.delete(base, reason="duplicate of another organism record")
    r = c.get(f"/en/records/{base}")
    assert r.status_code == 410
    assert "This record was deleted" in r.text and "duplicate of another organism record" in r.text
    assert "<h1>此记录已被删除</h1>" in c.get(f"/zh/records/{base}").text
    assert c.get(f"/en/records/{base}/history").status_code == 200


def test_validation_problems_are_in_the_page_language(small):
    nau = client(small["svc"])
    sign_in(nau, "nau@example.org", "fr")
    form = nau.get("/fr/submit/biosafetyDecision").text
    data = decision_form(small, form, action="save")
    del data["decisionTypes"]
    r = nau.post("/fr/submit/biosafetyDecision", data=data)
    assert r.status_code == 200 and 'href="#f-decisionTypes"' in r.text
    assert "Ce champ est obligatoire." in r.text
    assert "is mandatory" not in r.text and "missing" not in r.text
