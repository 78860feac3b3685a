"""Shared by the alerts tests: records to publish, subscriptions confirmed through the mail."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bch.services.container import Services
from tests import factories
from tests.accounts.helpers import Mailbox


def publish(svc: Services, country: str) -> str:
    """A competent national authority of `country` (real agency names): its UID."""
    return svc.records.publish(factories.authority(country)).uid


def confirm_link(box: Mailbox, address: str, count: int = 1) -> str:
    """The path and query of the confirmation link in the count-th mail to `address`."""
    body = Mailbox.body(box.wait_for(address, count)[count - 1])
    match = re.search(r"https?://[^/\s]+(/\S*/alerts/confirm\?token=\S+)", body)
    assert match, body
    return match.group(1)


def subscribed(
    client: TestClient, box: Mailbox, address: str, filters: dict, frequency: str = "immediate"
) -> str:
    """Subscribe and open the mailed link (a plain GET): the subscription's token."""
    before = len(box.to(address))
    answer = client.post(
        "/api/v1/subscriptions",
        json={"email": address, "filters": filters, "frequency": frequency},
    )
    assert answer.status_code == 202, answer.text
    link = confirm_link(box, address, before + 1)
    token = link.split("token=", 1)[1]
    ok = client.get("/api/v1/subscriptions/confirm", params={"token": token})
    assert ok.status_code == 200 and ok.json()["confirmedAt"], ok.text
    return token
