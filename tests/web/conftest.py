"""Fixtures of the web page tests: an in-process client over the loaded data (read-only), and a
fresh database with a few real records for the pages that write."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.container import Services
from tests import factories

MON810 = "MON-ØØ81Ø-6"
PASSWORD = "Correct-horse-42!"
EXTERNAL = re.compile(r'<(?:script|link|img|iframe|source)[^>]+(?:src|href)="(https?:)?//', re.I)


@pytest.fixture(scope="session")
def web(loaded) -> TestClient:
    """Pages over the shipped real data, on each backend. Never write through it."""
    return TestClient(create_app(loaded), follow_redirects=False)


def mon810(developer: str, organism: str) -> dict:
    """MON810 as the shipped data describes it (real facts, fewer fields)."""
    return {
        "header": {
            "identifier": factories.ident("lmo"),
            "schema": "modifiedOrganism",
            "languages": ["en"],
        },
        "transformationEvent": "MON810",
        "hasUniqueIdentification": True,
        "uniqueIdentification": MON810,
        "identity": {"en": "YieldGard™; MaizeGard™"},
        "developers": [{"identifier": developer}],
        "recipientOrganisms": [{"identifier": organism}],
        "traits": [{"identifier": "dnaSequenceTraits.lepidoptera"}],
    }


@pytest.fixture
def small(services: Services) -> Iterator[dict]:
    """A fresh database (each backend) with a CNA of Canada, Zea mays, Monsanto and MON810, and
    three users: a national authorized user and the focal point of Canada, and a plain user."""
    org = factories.organization("Monsanto Canada Inc.")
    orga = factories.organism("Zea mays")
    cna = factories.authority("CA")
    for doc in (org, orga, cna):
        services.records.publish(doc, strict=False)
    lmo = mon810(org["header"]["identifier"], orga["header"]["identifier"])
    services.records.publish(lmo, strict=False)
    services.accounts.add_user("nau@example.org", role="nau", country="CA", password=PASSWORD)
    services.accounts.add_user("nfp@example.org", role="nfp", country="CA", password=PASSWORD)
    yield {"svc": services, "cna": cna, "lmo": lmo, "organism": orga}


def client(svc: Services) -> TestClient:
    return TestClient(create_app(svc), follow_redirects=False)


def sign_in(c: TestClient, email: str, lang: str = "en") -> None:
    r = c.post(f"/{lang}/sign-in", data={"email": email, "password": PASSWORD, "next": f"/{lang}/"})
    assert r.status_code == 303, r.text


def hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert m, f"no hidden field {name}"
    return m.group(1)
