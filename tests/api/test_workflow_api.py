"""The publishing workflow end to end through the HTTP API, on both backends, with users made
by the `bch user add` command and mail received by a real SMTP server.

The Kenya scenario: a Kenyan national authorized user drafts a decision in English and French
and requests its publication; Kenya's focal point gets the mail, edits the draft, approves, and
the record is public with a new revision. Then the rejection, expiry and deletion paths."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from bch.cli import app as cli
from bch.storage.rows import utcnow
from bch.storage.tables import audit_log, drafts, publishing_requests
from tests import factories
from tests.accounts.helpers import (
    PASSWORD,
    Mailbox,
    bearer,
    client_for,
    kenyan_authority,
    kenyan_decision,
    mailbox,  # noqa: F401
)

runner = CliRunner()


def _url(services) -> str:
    return services.engine.url.render_as_string(hide_password=False)


def bch_user_add(services, email: str, role: str, country: str | None = None, *extra: str) -> None:
    args = ["user", "add", email, "--role", role, "--password", PASSWORD]
    args += ["--database", _url(services)]
    if country:
        args += ["--country", country]
    result = runner.invoke(cli, [*args, *extra])
    assert result.exit_code == 0, result.output


@pytest.fixture
def kenya(services, request):
    box = request.getfixturevalue("mailbox")
    bch_user_add(services, "nfp@kenya.example.org", "nfp", "KE")
    bch_user_add(services, "nau@kenya.example.org", "nau", "KE", "--schema", "biosafetyDecision")
    bch_user_add(services, "nfp@canada.example.org", "nfp", "CA")
    with client_for(services) as client:
        nfp = bearer(client, "nfp@kenya.example.org")
        nau = bearer(client, "nau@kenya.example.org")
        ca = bearer(client, "nfp@canada.example.org")
        # Kenya's focal point publishes its competent national authority directly
        cna = kenyan_authority()
        cna_id = cna["header"]["identifier"]
        assert client.put(f"/api/v1/drafts/{cna_id}", json=cna, headers=nfp).status_code == 201
        r = client.post(f"/api/v1/drafts/{cna_id}/publish", headers=nfp)
        assert r.status_code == 201 and r.json()["status"] == "published", r.text
        yield client, {"nfp": nfp, "nau": nau, "ca": ca}, cna_id, box


def _request_decision(client, auth, cna_id: str, title: str) -> tuple[str, int]:
    doc = kenyan_decision(cna_id, f"{title} (synthetic)", f"{title} (synthétique)")
    ident = doc["header"]["identifier"]
    assert client.put(f"/api/v1/drafts/{ident}", json=doc, headers=auth["nau"]).status_code == 201
    r = client.post(
        f"/api/v1/drafts/{ident}/publish", json={"message": "please"}, headers=auth["nau"]
    )
    assert r.status_code == 202, r.text
    return ident, r.json()["id"]


def test_the_kenya_scenario(services, kenya):
    client, auth, cna_id, box = kenya
    anon_before = client.get("/api/v1/changes?limit=1000").text
    # 1. the authorized user drafts a decision, incomplete at first (no French title yet)
    doc = kenyan_decision(cna_id, "Synthetic test decision KE-1", "Décision d'essai KE-1")
    ident = doc["header"]["identifier"]
    partial = copy.deepcopy(doc)
    del partial["title"]["fr"], partial["date"]
    r = client.put(f"/api/v1/drafts/{ident}", json=partial, headers=auth["nau"])
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == '"draft-1"'
    v = client.post(f"/api/v1/drafts/{ident}/validate", headers=auth["nau"]).json()
    assert not v["valid"] and {"code": "Error.Mandatory", "path": "date"} in [
        {"code": e["code"], "path": e["path"]} for e in v["errors"]
    ]
    r = client.post(f"/api/v1/drafts/{ident}/publish", headers=auth["nau"])
    assert r.status_code == 422 and any(e["path"] == "date" for e in r.json()["errors"])
    # an update needs If-Match; a stale one is refused and loses nothing
    assert client.put(f"/api/v1/drafts/{ident}", json=doc, headers=auth["nau"]).status_code == 428
    stale = {**auth["nau"], "If-Match": '"draft-7"'}
    assert client.put(f"/api/v1/drafts/{ident}", json=doc, headers=stale).status_code == 412
    r = client.put(
        f"/api/v1/drafts/{ident}", json=doc, headers={**auth["nau"], "If-Match": '"draft-1"'}
    )
    assert r.status_code == 200 and r.json()["revision"] == 2 and r.json()["valid"] is True
    assert r.json()["document"]["title"]["fr"] == "Décision d'essai KE-1"
    # 2. publication request with a message: 202, the focal point gets the mail
    r = client.post(
        f"/api/v1/drafts/{ident}/publish",
        json={"message": "Cabinet approved it"},
        headers=auth["nau"],
    )
    assert r.status_code == 202, r.text
    req_id = r.json()["id"]
    [mail] = box.wait_for("nfp@kenya.example.org")
    assert ident in mail["Subject"] and "Cabinet approved it" in Mailbox.body(mail)
    # nothing public yet
    assert client.get(f"/api/v1/records/{ident}").status_code == 404
    assert client.get("/api/v1/changes?limit=1000").text == anon_before
    # 3. the request is listed for both; Canada cannot act on it
    mine = client.get("/api/v1/requests", headers=auth["nau"]).json()["items"]
    todo = client.get("/api/v1/requests", headers=auth["nfp"]).json()["items"]
    assert [i["id"] for i in mine] == [req_id] and [i["id"] for i in todo] == [req_id]
    assert todo[0]["state"] == "pending" and todo[0]["message"] == "Cabinet approved it"
    assert client.get("/api/v1/requests", headers=auth["ca"]).json()["items"] == []
    assert client.post(f"/api/v1/requests/{req_id}/approve", headers=auth["ca"]).status_code == 403
    assert client.post(f"/api/v1/requests/{req_id}/approve", headers=auth["nau"]).status_code == 403
    # 4. the focal point edits the draft, then approves
    draft = client.get(f"/api/v1/drafts/{ident}", headers=auth["nfp"])
    edited = draft.json()["document"]
    edited["title"]["en"] = "Synthetic test decision KE-1 (edited by the focal point)"
    r = client.put(
        f"/api/v1/drafts/{ident}",
        json=edited,
        headers={**auth["nfp"], "If-Match": draft.headers["ETag"]},
    )
    assert r.status_code == 200
    r = client.post(f"/api/v1/requests/{req_id}/approve", json={}, headers=auth["nfp"])
    assert r.status_code == 200 and r.json()["state"] == "approved", r.text
    uid = r.json()["result"]
    assert uid.startswith("BCH-DEC-KE-") and uid.endswith("-1")
    box.wait_for("nau@kenya.example.org")  # the requester learns the outcome
    # 5. public, in both languages, found by search, in the change feed; the draft is gone
    rec = client.get(f"/api/v1/records/{ident}")
    assert rec.status_code == 200
    assert rec.json()["document"]["title"] == {
        "en": "Synthetic test decision KE-1 (edited by the focal point)",
        "fr": "Décision d'essai KE-1",
    }
    assert ident in client.get("/api/v1/records?q=focal").text
    assert (
        ident in client.get("/api/v1/changes?limit=1000").text
        or uid in client.get("/api/v1/changes?limit=1000").text
    )
    assert client.get(f"/api/v1/drafts/{ident}", headers=auth["nau"]).status_code == 404
    # 6. an amendment: the nau edits the published record (If-Match = its ETag), the nfp
    #    approves and the record gets revision 2
    etag = rec.headers["ETag"]
    amended = rec.json()["document"]
    amended["title"]["en"] += " – amended"
    assert (
        client.put(f"/api/v1/drafts/{ident}", json=amended, headers=auth["nau"]).status_code == 428
    )
    r = client.put(
        f"/api/v1/drafts/{ident}", json=amended, headers={**auth["nau"], "If-Match": etag}
    )
    assert r.status_code == 201 and r.json()["baseRevision"] == 1
    req2 = client.post(f"/api/v1/drafts/{ident}/publish", headers=auth["nau"]).json()["id"]
    assert client.post(f"/api/v1/requests/{req2}/approve", headers=auth["nfp"]).status_code == 200
    rec2 = client.get(f"/api/v1/records/{ident}").json()
    assert rec2["revision"] == 2 and rec2["document"]["title"]["en"].endswith("amended")
    # 7. everything is in the audit log
    with services.engine.connect() as conn:
        actions = [
            (r.actor, r.action)
            for r in conn.execute(select(audit_log).where(audit_log.c.record == ident))
        ]
    assert ("nau@kenya.example.org", "request.publish") in actions
    assert ("nfp@kenya.example.org", "draft.save") in actions
    assert ("nfp@kenya.example.org", "record.publish") in actions


def test_rejection_needs_a_reason_and_keeps_the_draft(services, kenya):
    client, auth, cna_id, box = kenya
    ident, req_id = _request_decision(client, auth, cna_id, "Rejected decision")
    r = client.post(f"/api/v1/requests/{req_id}/reject", json={}, headers=auth["nfp"])
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "reason"
    r = client.post(
        f"/api/v1/requests/{req_id}/reject",
        json={"reason": "Missing risk assessment"},
        headers=auth["nfp"],
    )
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    mails = box.wait_for("nau@kenya.example.org")
    assert "Missing risk assessment" in Mailbox.body(mails[-1])
    assert client.get(f"/api/v1/records/{ident}").status_code == 404
    assert client.get(f"/api/v1/drafts/{ident}", headers=auth["nau"]).status_code == 200
    assert client.post(f"/api/v1/requests/{req_id}/approve", headers=auth["nfp"]).status_code == 409


def test_reminders_then_expiry_leave_a_draft(services, kenya, monkeypatch):
    client, auth, cna_id, box = kenya
    services.workflow.deadline_days = 30  # BCH_REQUEST_DEADLINE_DAYS=30
    ident, req_id = _request_decision(client, auth, cna_id, "Expiring decision")
    box.wait_for("nfp@kenya.example.org")
    deadline = client.get(f"/api/v1/requests/{req_id}", headers=auth["nfp"]).json()["deadline"]
    assert deadline.startswith(str((utcnow() + timedelta(days=30)).date()))
    # 8 days before the deadline: the 28-day reminder is due, once
    report = services.workflow.tick(now=utcnow() + timedelta(days=22))
    assert (report.reminders, report.expired) == (1, 0)
    assert services.workflow.tick(now=utcnow() + timedelta(days=22)).reminders == 0
    reminders = [m for m in box.wait_for("nfp@kenya.example.org", 2) if "reminder" in m["Subject"]]
    assert len(reminders) == 1
    # past the deadline: `bch workflow tick` expires the request; the draft stays a draft
    with services.engine.begin() as conn:
        conn.execute(update(publishing_requests).values(deadline=utcnow() - timedelta(minutes=1)))
    monkeypatch.setenv("BCH_SMTP_HOST", "127.0.0.1")  # the command's own mailer, from env
    monkeypatch.setenv("BCH_SMTP_PORT", str(box.port))
    result = runner.invoke(cli, ["workflow", "tick", "--database", _url(services)])
    assert result.exit_code == 0 and "requests expired: 1" in result.output, result.output
    r = client.get(f"/api/v1/requests/{req_id}", headers=auth["nau"]).json()
    assert r["state"] == "expired"
    assert any("expired" in m["Subject"] for m in box.wait_for("nau@kenya.example.org"))
    assert client.post(f"/api/v1/requests/{req_id}/approve", headers=auth["nfp"]).status_code == 409
    with services.engine.connect() as conn:
        assert conn.execute(select(drafts.c.identifier)).scalars().all().count(ident) == 1
    assert client.get(f"/api/v1/records/{ident}").status_code == 404


def test_deletion_through_a_request_ends_in_a_tombstone(services, kenya):
    client, auth, cna_id, box = kenya
    assert client.delete(f"/api/v1/records/{cna_id}", headers=auth["nau"]).status_code == 400
    r = client.request(
        "DELETE",
        f"/api/v1/records/{cna_id}",
        json={"reason": "Authority renamed"},
        headers=auth["nau"],
    )
    # the nau is limited to decisions: an authority is not theirs to touch
    assert r.status_code == 403
    ident, req_id = _request_decision(client, auth, cna_id, "Decision to delete")
    assert client.post(f"/api/v1/requests/{req_id}/approve", headers=auth["nfp"]).status_code == 200
    r = client.request(
        "DELETE", f"/api/v1/records/{ident}", json={"reason": "Entered twice"}, headers=auth["nau"]
    )
    assert r.status_code == 202 and r.json()["request"]["kind"] == "delete"
    assert client.get(f"/api/v1/records/{ident}").status_code == 200
    assert (
        client.request(
            "DELETE", f"/api/v1/records/{ident}", json={"reason": "x"}, headers=auth["ca"]
        ).status_code
        == 403
    )
    r = client.post(f"/api/v1/requests/{r.json()['id']}/approve", headers=auth["nfp"])
    assert r.status_code == 200, r.text
    gone = client.get(f"/api/v1/records/{ident}")
    assert gone.status_code == 410 and gone.json()["tombstone"]["reason"] == "Entered twice"


def test_anonymous_and_bad_tokens_cannot_write(services, kenya):
    client, auth, cna_id, _ = kenya
    doc = kenyan_decision(cna_id, "x", "x")
    ident = doc["header"]["identifier"]
    assert client.put(f"/api/v1/drafts/{ident}", json=doc).status_code == 401
    bad = {"Authorization": "Bearer bch_not-a-token"}
    r = client.put(f"/api/v1/drafts/{ident}", json=doc, headers=bad)
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    assert client.get("/api/v1/requests").status_code == 401
    r = client.put(f"/api/v1/drafts/{ident}", content=b"{not json", headers=auth["nau"])
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "Error.InvalidJson"
    r = client.put(
        f"/api/v1/drafts/{ident}", json={"header": {"schema": "nope"}}, headers=auth["nau"]
    )
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "header.schema"


def test_tokens_and_web_sessions_over_http(services, kenya):
    client, auth, _, _ = kenya
    r = client.post(
        "/api/v1/auth/tokens", json={"name": "ci", "scope": "read"}, headers=auth["nfp"]
    )
    assert r.status_code == 201 and r.json()["token"].startswith("bch_")
    read_only = {"Authorization": f"Bearer {r.json()['token']}"}
    doc = kenyan_authority()
    ident = doc["header"]["identifier"]
    assert client.put(f"/api/v1/drafts/{ident}", json=doc, headers=read_only).status_code == 403
    listed = client.get("/api/v1/auth/tokens", headers=auth["nfp"]).json()["items"]
    assert all("token" not in t for t in listed) and any(t["name"] == "ci" for t in listed)
    assert (
        client.delete(f"/api/v1/auth/tokens/{r.json()['id']}", headers=auth["nfp"]).status_code
        == 204
    )
    assert client.get("/api/v1/auth/me", headers=read_only).status_code == 401
    me = client.get("/api/v1/auth/me", headers=auth["nau"]).json()
    assert me["roles"][0] == {"role": "nau", "country": "KE", "schemas": ["biosafetyDecision"]}
    # a web session: cookie plus CSRF on writes
    r = client.post(
        "/api/v1/auth/login", json={"email": "nfp@kenya.example.org", "password": PASSWORD}
    )
    assert r.status_code == 200 and "bch_session" in r.cookies
    csrf = r.json()["csrf"]
    assert client.get("/api/v1/auth/me").json()["email"] == "nfp@kenya.example.org"
    assert client.put(f"/api/v1/drafts/{ident}", json=doc).status_code == 403  # no CSRF token
    r = client.put(f"/api/v1/drafts/{ident}", json=doc, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    client.cookies.clear()
    assert client.get("/api/v1/auth/me").status_code == 401


def test_the_contract_check_steps_on_the_shipped_canadian_decisions(loaded_copy):
    """What ../shared/checks/workflow does against `bch serve`, in-process: users from the
    command line, tokens, a draft derived from an imported Canadian decision (which carries
    validation warnings), no cross-country writes, approval, then found by search."""
    services = loaded_copy
    for email, role, country in (
        ("nfp-ca@example.org", "nfp", "CA"),
        ("nau-ca@example.org", "nau", "CA"),
        ("nfp-ke@example.org", "nfp", "KE"),
    ):
        bch_user_add(services, email, role, country)
    with client_for(services) as c:
        auth = {
            e: bearer(c, e)
            for e in ("nfp-ca@example.org", "nau-ca@example.org", "nfp-ke@example.org")
        }
        assert c.put("/api/v1/drafts/check-anon-1", json={"x": 1}).status_code in (401, 403)
        first = c.get("/api/v1/records?schema=biosafetyDecision&country=CA&limit=200").json()[
            "items"
        ][0]
        full = c.get("/api/v1/records/" + quote(first["id"], safe=""))
        assert full.json()["warnings"], "the base decision should carry import warnings"
        doc = copy.deepcopy(full.json()["document"])
        marker = "zqxcheck" + uuid.uuid4().hex[:8]
        new_id = "check-" + uuid.uuid4().hex[:12]
        doc["header"]["identifier"] = new_id
        doc["title"] = {"en": f"Decision {marker}"}
        assert (
            c.put(
                f"/api/v1/drafts/{new_id}", json=doc, headers=auth["nfp-ke@example.org"]
            ).status_code
            == 403
        )
        r = c.put(f"/api/v1/drafts/{new_id}", json=doc, headers=auth["nau-ca@example.org"])
        assert r.status_code in (200, 201), r.text
        assert marker not in c.get("/api/v1/records?q=" + marker).text
        r = c.post(f"/api/v1/drafts/{new_id}/publish", json={}, headers=auth["nau-ca@example.org"])
        assert r.status_code == 202, r.text
        reqs = c.get("/api/v1/requests", headers=auth["nfp-ca@example.org"]).json()["items"]
        [mine] = [x for x in reqs if x["identifier"] == new_id]
        ke = c.post(
            f"/api/v1/requests/{mine['id']}/approve", json={}, headers=auth["nfp-ke@example.org"]
        )
        assert ke.status_code in (403, 404)
        ok = c.post(
            f"/api/v1/requests/{mine['id']}/approve", json={}, headers=auth["nfp-ca@example.org"]
        )
        assert ok.status_code in (200, 201), ok.text
        assert marker in c.get("/api/v1/records?q=" + marker).text
        # the conditional fields the import lacked are warnings on the new revision
        rec = c.get(f"/api/v1/records/{new_id}").json()
        assert {w["path"] for w in rec["warnings"]} >= {"riskAssessments"}


def test_anyone_proposes_a_reference_record_and_the_secretariat_validates_it(services, request):
    box = request.getfixturevalue("mailbox")
    bch_user_add(services, "sec@cbd.example.org", "secretariat")
    with client_for(services) as client:
        r = client.post(
            "/api/v1/auth/register", json={"email": "farmer@example.org", "password": PASSWORD}
        )
        assert r.status_code == 202
        [mail] = box.wait_for("farmer@example.org")
        code = Mailbox.body(mail).split("token=")[1].split()[0]
        assert client.get(f"/api/v1/auth/confirm?token={code}").status_code == 200
        assert client.post("/api/v1/auth/confirm", json={"token": code}).status_code == 400
        user, sec = bearer(client, "farmer@example.org"), bearer(client, "sec@cbd.example.org")
        doc = factories.organism("Solanum tuberosum")
        ident = doc["header"]["identifier"]
        assert client.put(f"/api/v1/drafts/{ident}", json=doc, headers=user).status_code == 201
        r = client.post(f"/api/v1/drafts/{ident}/publish", json={}, headers=user)
        assert r.status_code == 202
        [note] = box.wait_for("sec@cbd.example.org")
        assert ident in note["Subject"]
        assert client.get(f"/api/v1/records/{ident}").status_code == 404
        todo = client.get("/api/v1/requests?state=pending", headers=sec).json()["items"]
        assert [t["identifier"] for t in todo] == [ident]
        r = client.post(f"/api/v1/requests/{todo[0]['id']}/approve", headers=sec)
        assert r.status_code == 200 and r.json()["result"].startswith("BCH-ORGA-SCBD-")
        assert client.get(f"/api/v1/records/{ident}").json()["document"]["scientificName"] == (
            "Solanum tuberosum"
        )
        audit = client.get(f"/api/v1/audit?record={ident}", headers=sec).json()["items"]
        assert [a["action"] for a in audit][:2] == ["record.publish", "request.publish"]
        assert all(len(a["afterSha256"] or "0" * 64) == 64 for a in audit)
        assert client.get("/api/v1/audit", headers=user).status_code == 403
