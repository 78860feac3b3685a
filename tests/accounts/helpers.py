"""Shared by the accounts and workflow tests: a real SMTP server on 127.0.0.1 (aiosmtpd) whose
received mails the tests read, users with roles, API clients."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.container import Services
from bch.services.mail import MailSettings
from bch.services.policy import Principal
from tests import factories
from tests.waiting import until

PASSWORD = "Correct-horse-42!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        msg = email.message_from_bytes(envelope.content)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    def wait_for(self, address: str, count: int = 1) -> list[Message]:
        until(lambda: len(self.to(address)) >= count, f"{count} mail(s) to {address}")
        return self.to(address)

    @staticmethod
    def body(msg: Message) -> str:
        part = msg.get_payload(decode=True)
        return part.decode("utf-8") if isinstance(part, bytes) else str(msg.get_payload())


@pytest.fixture
def mailbox(services: Services) -> Iterator[Mailbox]:
    """A real SMTP server; the services send their mail to it during the test."""
    port = _free_port()
    box = Mailbox(port=port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    before = services.mailer.settings
    services.mailer.settings = MailSettings(host="127.0.0.1", port=port, sender="bch@test.local")
    try:
        yield box
    finally:
        services.mailer.settings = before
        controller.stop()


def add_user(
    svc: Services,
    email_: str,
    role: str = "user",
    country: str | None = None,
    *,
    schemas: list[str] | None = None,
    password: str | None = None,
) -> Principal:
    user = svc.accounts.add_user(
        email_, role=role, country=country, password=password, schemas=schemas, by="test"
    )
    with svc.engine.connect() as conn:
        return svc.accounts.users.principal(conn, user)


def client_for(svc: Services) -> TestClient:
    return TestClient(create_app(svc))


def bearer(client: TestClient, email_: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", json={"email": email_, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def kenyan_authority(identifier: str | None = None) -> dict:
    """Kenya's competent national authority (the National Biosafety Authority)."""
    doc = factories.authority("KE", identifier=identifier or factories.ident("cna-ke"))
    doc["name"] = {"en": "National Biosafety Authority", "fr": "Autorité nationale de biosécurité"}
    return doc


def kenyan_decision(authority_id: str, title_en: str, title_fr: str, identifier=None) -> dict:
    """A Kenyan decision under Art. 11 (LMO-FFP import), in English and French."""
    return {
        "header": {
            "identifier": identifier or factories.ident("dec-ke"),
            "schema": "biosafetyDecision",
            "languages": ["en", "fr"],
        },
        "government": {"identifier": "KE"},
        "authorities": [{"identifier": authority_id}],
        "title": {"en": title_en, "fr": title_fr},
        "date": "2022-10-03",
        "isAmendment": False,
        "expires": False,
        "decisionTypes": [{"identifier": "BE64016A-C3BD-4C61-9620-C3FEF96B2A24"}],
    }
