"""Regression (issue 17): a registered user could overwrite a contact someone else published.

The exploit over HTTP: `PUT /api/v1/drafts/X` with the record's current If-Match, then
`POST .../publish` answered 201 and revision 2 was the attacker's. Now a change to someone else's
contact is a proposal: 202 with a request the Secretariat decides, and the record is unchanged
until then. Its author still publishes their own changes directly. Both backends."""

from __future__ import annotations

from tests import factories
from tests.accounts.helpers import (
    PASSWORD,
    add_user,
    bearer,
    client_for,
)


def test_someone_elses_published_contact_cannot_be_overwritten(services):
    for email, role in (
        ("owner@example.org", "user"),
        ("attacker@example.org", "user"),
        ("sec@cbd.example.org", "secretariat"),
    ):
        add_user(services, email, role, password=PASSWORD)
    with client_for(services) as client:
        owner = bearer(client, "owner@example.org")
        attacker = bearer(client, "attacker@example.org")
        secretariat = bearer(client, "sec@cbd.example.org")
        contact = factories.contact("Owner (synthetic)")
        ident = contact["header"]["identifier"]
        assert client.put(f"/api/v1/drafts/{ident}", json=contact, headers=owner).status_code == 201
        r = client.post(f"/api/v1/drafts/{ident}/publish", headers=owner)
        assert r.status_code == 201 and r.json()["revision"] == 1, r.text

        # the attacker: the current ETag, a draft of the record, then publish
        published = client.get(f"/api/v1/records/{ident}")
        hijacked = published.json()["document"]
        hijacked["lastName"] = "Attacker (synthetic)"
        hijacked["emails"] = ["attacker@example.org"]
        r = client.put(
            f"/api/v1/drafts/{ident}",
            json=hijacked,
            headers={**attacker, "If-Match": published.headers["ETag"]},
        )
        assert r.status_code == 201, r.text  # proposing a change is allowed
        r = client.post(f"/api/v1/drafts/{ident}/publish", headers=attacker)
        assert r.status_code == 202, r.text  # ... but only as a request
        request_id = r.json()["id"]
        assert r.json()["request"]["kind"] == "publish"
        record = client.get(f"/api/v1/records/{ident}").json()
        assert record["revision"] == 1 and record["document"]["lastName"] == "Owner (synthetic)"
        # nor can the attacker decide their own request
        r = client.post(f"/api/v1/requests/{request_id}/approve", headers=attacker)
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
        # the owner cannot touch the attacker's draft, and the Secretariat rejects it
        assert client.get(f"/api/v1/drafts/{ident}", headers=owner).status_code == 404
        r = client.post(
            f"/api/v1/requests/{request_id}/reject",
            json={"reason": "not the author"},
            headers=secretariat,
        )
        assert r.status_code == 200 and r.json()["state"] == "rejected"
        assert client.get(f"/api/v1/records/{ident}").json()["revision"] == 1

        # the author still publishes their own change directly
        assert client.delete(f"/api/v1/drafts/{ident}", headers=secretariat).status_code == 204
        current = client.get(f"/api/v1/records/{ident}")
        mine = current.json()["document"]
        mine["lastName"] = "Owner, renamed (synthetic)"
        r = client.put(
            f"/api/v1/drafts/{ident}",
            json=mine,
            headers={**owner, "If-Match": current.headers["ETag"]},
        )
        assert r.status_code == 201, r.text
        r = client.post(f"/api/v1/drafts/{ident}/publish", headers=owner)
        assert r.status_code == 201 and r.json()["revision"] == 2, r.text
        record = client.get(f"/api/v1/records/{ident}").json()
        assert record["document"]["lastName"] == "Owner, renamed (synthetic)"
        # nor can the attacker delete it: a deletion request, and the record stays
        r = client.request(
            "DELETE", f"/api/v1/records/{ident}", json={"reason": "mine now"}, headers=attacker
        )
        assert r.status_code == 202 and r.json()["request"]["kind"] == "delete"
        assert client.get(f"/api/v1/records/{ident}").json()["revision"] == 2
