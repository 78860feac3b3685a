"""Edit and Delete on record pages, the LMO page included (both backends): shown to those who may
(the Secretariat on an LMO; a country's focal point on its decision; a registered user proposes
through a request), hidden from those who may not; a forbidden edit or deletion is a 403 that says
who may; "My drafts and requests" shows each request's kind and state, filterable."""

from __future__ import annotations

import re
from html import unescape

from tests.web.conftest import MON810, PASSWORD, client, hidden, sign_in
from tests.web.test_record_workflow import _form_fields, _publish_decision
from tests.web.test_submit import decision_form

LMO_PAGE = "/en/lmos/" + MON810


def _buttons(html: str) -> list[str]:
    box = re.search(r'<div class="record-actions">(.*?)</div>', html, re.S)
    return (
        re.findall(r'<a class="button[^"]*" href="[^"]*">([^<]+)</a>', box.group(1)) if box else []
    )


def test_lmo_page_shows_edit_and_delete_to_those_who_may(small):
    svc = small["svc"]
    svc.accounts.add_user("scbd@example.org", role="secretariat", password=PASSWORD)
    svc.accounts.add_user("kenya@example.org", role="nfp", country="KE", password=PASSWORD)
    base = svc.records.get(small["lmo"]["header"]["identifier"]).doc.uid_base
    assert _buttons(client(svc).get(LMO_PAGE).text) == []  # anonymous: no button
    scbd = client(svc)
    sign_in(scbd, "scbd@example.org")
    page = scbd.get(LMO_PAGE)
    assert page.status_code == 200
    assert _buttons(page.text) == ["Edit", "Delete"]
    assert f'href="/en/records/{base}/edit"' in page.text
    form = scbd.get(f"/en/records/{base}/edit")
    assert form.status_code == 200 and 'value="' + base + '-1"' in form.text  # the ETag
    # a focal point may propose a change to a reference record: through the Secretariat
    kenya = client(svc)
    sign_in(kenya, "kenya@example.org")
    assert _buttons(kenya.get(LMO_PAGE).text) == ["Edit", "Request deletion"]


def test_forbidden_edits_and_deletions_are_403_saying_who_may(small):
    svc = small["svc"]
    svc.accounts.add_user("kenya@example.org", role="nfp", country="KE", password=PASSWORD)
    nfp = client(svc)
    sign_in(nfp, "nfp@example.org")
    uid = _publish_decision(small, nfp)  # a decision of Canada
    kenya = client(svc)
    sign_in(kenya, "kenya@example.org")
    page = kenya.get(f"/en/records/{uid}").text
    assert _buttons(page) == []  # Kenya's focal point may not touch Canada's records
    csrf = hidden(kenya.get("/en/my").text, "csrf")
    for r in (
        kenya.get(f"/en/records/{uid}/edit"),
        kenya.get(f"/en/records/{uid}/delete"),
        kenya.post(f"/en/records/{uid}/delete", data={"csrf": csrf, "reason": "not mine"}),
    ):
        assert r.status_code == 403, r.text
        text = unescape(r.text)
        assert "Not allowed" in text and "focal point" in text
    assert client(svc).get(f"/en/records/{uid}").status_code == 200  # still published
    # without a session: sign in first; without the form's token: refused, nothing deleted
    anon = client(svc).post(f"/en/records/{uid}/delete", data={"reason": "x"})
    assert anon.status_code in (401, 403)
    no_csrf = nfp.post(f"/en/records/{uid}/delete", data={"reason": "no token"})
    assert no_csrf.status_code == 403
    assert client(svc).get(f"/en/records/{uid}").status_code == 200
    # in French, the refusal is French
    r = kenya.get(f"/fr/records/{uid}/delete")
    assert r.status_code == 403 and "Votre compte ne peut pas supprimer" in unescape(r.text)


def _rows(html: str) -> list[tuple[str, str]]:
    table = re.search(r'<table class="my-requests">(.*?)</table>', html, re.S)
    if not table:
        return []
    return re.findall(
        r'<td class="kind">([^<]*)</td><td>[^<]*</td><td class="state">([^<]*)</td>',
        unescape(table.group(1)),
    )


def test_my_requests_show_their_kind_and_state_and_filter(small):
    svc = small["svc"]
    nfp, nau = client(svc), client(svc)
    sign_in(nfp, "nfp@example.org")
    sign_in(nau, "nau@example.org")
    uid = _publish_decision(small, nfp)
    # the authorized user asks for a new revision (approved) and for the deletion (pending)
    form = nau.get(f"/en/records/{uid}/edit").text
    data = decision_form(small, form, action="request")
    data.update(_form_fields(form), **{"title.en": "Approval of MON810 (corrected)"})
    assert nau.post("/en/submit/biosafetyDecision", data=data).status_code == 303
    queue = nfp.get("/en/queue").text
    rid = re.search(r'action="/en/queue/(\d+)"', queue).group(1)
    r = nfp.post(f"/en/queue/{rid}", data={"csrf": hidden(queue, "csrf"), "decision": "approve"})
    assert r.status_code == 303
    form = nau.get(f"/en/records/{uid}/delete").text
    r = nau.post(
        f"/en/records/{uid}/delete", data={"csrf": hidden(form, "csrf"), "reason": "Superseded"}
    )
    assert r.status_code == 202
    # and a new record, rejected
    form = nau.get("/en/submit/biosafetyDecision").text
    assert (
        nau.post(
            "/en/submit/biosafetyDecision", data=decision_form(small, form, action="request")
        ).status_code
        == 303
    )
    queue = nfp.get("/en/queue").text
    rid = re.findall(r'action="/en/queue/(\d+)"', queue)
    new = max(rid, key=int)
    r = nfp.post(
        f"/en/queue/{new}",
        data={"csrf": hidden(queue, "csrf"), "decision": "reject", "reason": "Incomplete"},
    )
    assert r.status_code == 303
    mine = nau.get("/en/my").text
    assert sorted(_rows(mine)) == sorted(
        [
            ("Publication of a new record", "Rejected"),
            ("Deletion of a published record", "Waiting for a decision"),
            ("New revision of a published record", "Approved and published"),
        ]
    )
    assert _rows(nau.get("/en/my?kind=revision").text) == [
        ("New revision of a published record", "Approved and published")
    ]
    assert _rows(nau.get("/en/my?state=pending").text) == [
        ("Deletion of a published record", "Waiting for a decision")
    ]
    empty = nau.get("/en/my?kind=publication&state=approved").text
    assert _rows(empty) == [] and "No request of yours matches these filters." in empty
    bad = nau.get("/en/my?kind=everything")
    assert bad.status_code == 400 and "kind: expected one of publication, revision, deletion" in (
        unescape(bad.text)
    )
    # the API says the same kind of change
    api_client = client(svc)
    token = api_client.post(
        "/api/v1/auth/token", json={"email": "nau@example.org", "password": PASSWORD}
    ).json()["token"]
    api = api_client.get("/api/v1/requests", headers={"Authorization": f"Bearer {token}"}).json()
    assert sorted(r["change"] for r in api["items"]) == ["deletion", "publication", "revision"]
    # six languages: the kinds and the filter are translated
    for lang, word in (
        ("fr", "Nouvelle révision"),
        ("es", "Nueva revisión"),
        ("ru", "Новая редакция"),
    ):
        html = unescape(nau.get(f"/{lang}/my?kind=revision").text)
        assert word in html, lang
