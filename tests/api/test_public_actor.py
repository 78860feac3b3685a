"""Who published a record is public; the account's e-mail address is not (only its domain)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.policy import public_actor
from tests import factories


def test_public_actor_hides_the_local_part():
    assert public_actor("nfp@example.go.ke") == "…@example.go.ke"
    assert public_actor("import:shipped-data") == "import:shipped-data"


def test_info_envelopes_do_not_show_e_mail_addresses(services):
    published = services.records.publish(factories.organism("Zea mays"), by="jane.doe@example.org")
    client = TestClient(create_app(services))
    info = client.get(f"/api/v1/records/{published.uid}/info").json()
    assert info["publishedBy"] == "…@example.org"
    v2013 = client.get(f"/api/v2013/documents/{published.identifier}/info")
    assert v2013.status_code == 200 and "jane.doe" not in v2013.text
    history = client.get(f"/en/records/{published.uid}/history")
    assert history.status_code == 200 and "…@example.org" in history.text
    assert "jane.doe" not in history.text
