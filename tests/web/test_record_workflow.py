"""Every workflow step on the web pages (both backends): a focal point edits (new revision) and
deletes (tombstone) a published national record from its page; an authorized user does the same
through requests, which the queue shows with their kind and a field-by-field diff; a change made
meanwhile is shown, not overwritten; an incomplete request saves nothing."""

from __future__ import annotations

import re
from html import unescape

from tests.web.conftest import client, hidden, sign_in
from tests.web.test_submit import decision_form

TITLE = "Approval of maize MON810 for food and feed"


def _publish_decision(small, c) -> str:
    """A decision published by the focal point on the web; its UID base."""
    form = c.get("/en/submit/biosafetyDecision").text
    assert (
        '<button type="submit" name="action" value="request" class="secondary">Publish</button>'
        in form
    )
    r = c.post("/en/submit/biosafetyDecision", data=decision_form(small, form, action="request"))
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    assert location.endswith("-1?published=1")
    page = c.get(location).text
    assert "Published: revision 1 of this record is public now." in page
    return re.search(r"/en/records/(BCH-DEC-CA-\d+)-1", location).group(1)


def _form_fields(html: str) -> dict:
    """The values a browser would send back from the record form (what the tests change)."""
    return {
        "csrf": hidden(html, "csrf"),
        "identifier": hidden(html, "identifier"),
        "etag": hidden(html, "etag"),
    }


def test_focal_point_edits_and_deletes_from_the_record_page(small):
    svc = small["svc"]
    nfp = client(svc)
    sign_in(nfp, "nfp@example.org")
    uid = _publish_decision(small, nfp)
    page = nfp.get(f"/en/records/{uid}").text
    assert f'href="/en/records/{uid}/edit"' in page and f'href="/en/records/{uid}/delete"' in page
    assert f'href="/en/records/{uid}/edit"' not in client(svc).get(f"/en/records/{uid}").text
    # edit: the form starts from the published revision, with its ETag
    form = nfp.get(f"/en/records/{uid}/edit").text
    assert "Edit a published record" in form and f'value="{uid}-1"' in form
    assert TITLE in form
    data = decision_form(small, form, action="request")
    data.update(_form_fields(form), **{"title.en": TITLE + " (amended)"})
    r = nfp.post("/en/submit/biosafetyDecision", data=data)
    assert r.status_code == 303 and r.headers["location"] == f"/en/records/{uid}-2?published=1"
    assert svc.records.get(uid).document["title"]["en"] == TITLE + " (amended)"
    # delete: a reason is required, asked for on the same page
    form = nfp.get(f"/en/records/{uid}/delete").text
    assert "Delete the record" in form
    r = nfp.post(f"/en/records/{uid}/delete", data={"csrf": hidden(form, "csrf"), "reason": " "})
    assert r.status_code == 400 and "Give the reason for the deletion" in r.text
    assert client(svc).get(f"/en/records/{uid}").status_code == 200  # still published
    r = nfp.post(
        f"/en/records/{uid}/delete",
        data={"csrf": hidden(form, "csrf"), "reason": "Entered twice by mistake"},
    )
    assert r.status_code == 200 and "The record was deleted" in r.text
    gone = client(svc).get(f"/en/records/{uid}")
    assert gone.status_code == 410 and "Entered twice by mistake" in gone.text


def test_a_change_made_meanwhile_is_shown_not_overwritten(small):
    svc = small["svc"]
    nfp, nau = client(svc), client(svc)
    sign_in(nfp, "nfp@example.org")
    sign_in(nau, "nau@example.org")
    uid = _publish_decision(small, nfp)
    stale = nau.get(f"/en/records/{uid}/edit").text  # the authorized user opens the form
    form = nfp.get(f"/en/records/{uid}/edit").text  # the focal point publishes revision 2
    data = decision_form(small, form, action="request")
    data.update(_form_fields(form), **{"title.en": "Approval of MON810 (focal point)"})
    assert nfp.post("/en/submit/biosafetyDecision", data=data).status_code == 303
    data = decision_form(small, stale, action="save")
    data.update(_form_fields(stale), **{"title.en": "Approval of MON810 (authorized user)"})
    r = nau.post("/en/submit/biosafetyDecision", data=data)
    assert r.status_code == 412
    text = unescape(r.text)
    assert "Someone else changed this record meanwhile" in text
    assert "The record went from revision 1 to revision 2" in text
    changes = re.search(r'<table class="changes">(.*?)</table>', text, re.S).group(1)
    assert "Title / reference number" in changes and "Approval of MON810 (focal point)" in changes
    assert "title" not in re.findall(r'<th scope="row">([^<]*)</th>', changes)  # labels, not ids
    assert "Approval of MON810 (authorized user)" in text  # the edits stay in the form
    assert svc.records.get(uid).document["title"]["en"] == "Approval of MON810 (focal point)"
    assert f'name="etag" value="{uid}-2"' in r.text  # saving again is a choice made seeing it


def test_authorized_user_edits_and_deletes_through_the_queue(small):
    svc = small["svc"]
    nfp, nau = client(svc), client(svc)
    sign_in(nfp, "nfp@example.org")
    sign_in(nau, "nau@example.org")
    uid = _publish_decision(small, nfp)
    page = nau.get(f"/en/records/{uid}").text
    assert "Request deletion" in page
    form = nau.get(f"/en/records/{uid}/edit").text
    assert 'value="request" class="secondary">Request publication</button>' in form
    data = decision_form(small, form, action="request")
    data.update(_form_fields(form), **{"title.en": TITLE + " (corrected)", "date": "2026-11-03"})
    r = nau.post("/en/submit/biosafetyDecision", data=data)
    assert r.status_code == 303 and "/en/my?requested=" in r.headers["location"]
    queue = unescape(nfp.get("/en/queue").text)
    assert "New revision of a published record" in queue
    changes = re.search(r'<table class="changes">(.*?)</table>', queue, re.S).group(1)
    rows = re.findall(r'<th scope="row">([^<]*)</th>', changes)
    assert rows == [
        "Title / reference number of the decision or communication (en)",
        "Date of the decision",
    ]
    assert "<del>" + TITLE + "</del>" in changes and TITLE + " (corrected)" in changes
    request_id = re.search(r'action="/en/queue/(\d+)"', queue).group(1)
    # rejecting without a reason: the queue again, with the message next to the request
    r = nfp.post(
        f"/en/queue/{request_id}",
        data={"csrf": hidden(queue, "csrf"), "decision": "reject", "reason": ""},
    )
    assert r.status_code == 400 and "A rejection needs a reason" in r.text
    assert f'id="error-{request_id}"' in r.text
    r = nfp.post(
        f"/en/queue/{request_id}", data={"csrf": hidden(queue, "csrf"), "decision": "approve"}
    )
    assert r.status_code == 303
    done = nfp.get(r.headers["location"]).text
    assert "The request was approved" in done
    assert f'href="/en/records/{uid}-2?published=1"' in done
    assert svc.records.get(uid).document["title"]["en"] == TITLE + " (corrected)"
    # a deletion request: kind and reason in the queue, a tombstone once approved
    form = nau.get(f"/en/records/{uid}/delete").text
    assert "Request deletion" in form
    r = nau.post(
        f"/en/records/{uid}/delete",
        data={"csrf": hidden(form, "csrf"), "reason": "Superseded by a later decision"},
    )
    assert r.status_code == 202 and "Deletion was requested" in r.text
    assert client(svc).get(f"/en/records/{uid}").status_code == 200  # until approved
    queue = unescape(nfp.get("/en/queue").text)
    assert "Deletion of a published record" in queue
    assert "Superseded by a later decision" in queue
    request_id = re.search(r'action="/en/queue/(\d+)"', queue).group(1)
    r = nfp.post(
        f"/en/queue/{request_id}", data={"csrf": hidden(queue, "csrf"), "decision": "approve"}
    )
    done = nfp.get(r.headers["location"]).text
    assert "was deleted" in done and "See the tombstone" in done
    gone = client(svc).get(f"/en/records/{uid}")
    assert gone.status_code == 410 and "Superseded by a later decision" in gone.text


def test_an_incomplete_request_saves_nothing_and_names_the_fields(small):
    svc = small["svc"]
    nau = client(svc)
    sign_in(nau, "nau@example.org")
    form = nau.get("/en/submit/biosafetyDecision").text
    r = nau.post(
        "/en/submit/biosafetyDecision",
        data={
            "csrf": hidden(form, "csrf"),
            "identifier": hidden(form, "identifier"),
            "etag": "",
            "header.languages": "en",
            "government": "CA",
            "action": "request",
        },
    )
    assert r.status_code == 422
    assert "Nothing was saved or published yet" in r.text
    box = re.search(r'<div class="errors".*?</div>', r.text, re.S).group(0)
    count = int(re.search(r"(\d+) problems to fix", box).group(1))
    items = re.findall(r"<li>", box)
    assert count == len(items) > 1  # the heading counts the lines listed
    labels = re.findall(r'<a href="#[^"]+">([^<]+)</a>', box)
    assert "Date of the decision" in labels and all(
        not re.fullmatch(r"[a-z]+[A-Z]\w+", x) for x in labels
    )
    assert nau.get("/en/my").text.count("/en/drafts/") == 0  # no draft titled with a UUID


def test_warnings_name_fields_by_label_and_count_what_they_list(small):
    nau = client(small["svc"])
    sign_in(nau, "nau@example.org")
    form = nau.get("/en/submit/biosafetyDecision").text
    # an Art. 11 decision without its conditional fields: saved, with warnings to check
    data = decision_form(
        small, form, action="save", decisionTypes="BE64016A-C3BD-4C61-9620-C3FEF96B2A24"
    )
    r = nau.post("/en/submit/biosafetyDecision", data=data)
    assert r.status_code == 200 and "The draft was saved." in r.text
    box = re.search(r'<div class="notice"><h2 class="small">(.*?)</div>', r.text, re.S).group(1)
    count = int(re.search(r"(\d+) fields? to check", box).group(1))
    assert count == len(re.findall(r"<li>", box)) >= 1
    assert "Decision taken under Article 11.6" in box
    assert "takenInAccordanceWithA116" not in re.sub(r'href="[^"]*"', "", box)
