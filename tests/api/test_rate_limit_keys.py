"""Regression (issue 17): the API rate limit was bypassed by sending a random bearer token per
request (the bucket was keyed on the Authorization header, and public reads ignore bad tokens).
Now only a valid token has its own bucket; anonymous requests and unknown, revoked or malformed
tokens count against the client's address - the address a trusted proxy forwarded, when the
peer is one (BCH_FORWARDED_ALLOW_IPS). Both backends."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.token_cache import ValidTokens
from bch.storage.rows import utcnow
from tests.accounts.helpers import PASSWORD, add_user

URL = "/api/v1/countries/CA"
BURST = 10


@pytest.fixture
def app(services, monkeypatch):
    # ten requests, then (nearly) none; the default trusted proxy
    return create_app(
        services.configured(BCH_RATE_LIMIT=f"0.001,{BURST}", BCH_FORWARDED_ALLOW_IPS="127.0.0.1")
    )


def _codes(client: TestClient, n: int, headers=None) -> list[int]:
    return [
        client.get(URL, headers=headers() if callable(headers) else headers).status_code
        for _ in range(n)
    ]


def _random_token() -> dict[str, str]:
    return {"Authorization": f"Bearer bch_{secrets.token_urlsafe(32)}"}


def test_random_or_malformed_tokens_share_the_address_bucket(app):
    with TestClient(app, client=("198.51.100.1", 50000)) as c:
        assert _codes(c, BURST + 3) == [200] * BURST + [429] * 3
    with TestClient(app, client=("198.51.100.2", 50000)) as c:
        assert _codes(c, BURST + 3, _random_token) == [200] * BURST + [429] * 3
        r = c.get(URL, headers=_random_token())
        assert r.json()["code"] == "tooManyRequests" and int(r.headers["Retry-After"]) >= 1
    with TestClient(app, client=("198.51.100.3", 50000)) as c:
        odd = [{"Authorization": "Basic eDp5"}, {"Authorization": "Bearer"}, {"Authorization": "x"}]
        codes = [c.get(URL, headers=odd[i % 3]).status_code for i in range(BURST + 3)]
        assert codes == [200] * BURST + [429] * 3


def test_a_valid_token_has_its_own_bucket_and_a_revoked_one_loses_it(app, services):
    add_user(services, "reader@example.org", password=PASSWORD)
    with TestClient(app, client=("198.51.100.4", 50000)) as c:
        r = c.post("/api/v1/auth/token", json={"email": "reader@example.org", "password": PASSWORD})
        assert r.status_code == 200  # one request of the address
        token = {"Authorization": f"Bearer {r.json()['token']}"}
        assert _codes(c, BURST + 2, token) == [200] * BURST + [429] * 2
        assert _codes(c, BURST) == [200] * (BURST - 1) + [429]  # the address kept its own
    with TestClient(app, client=("198.51.100.5", 50000)) as c:
        user = services.accounts.login("reader@example.org", PASSWORD, ip="198.51.100.5")
        issued = services.accounts.issue_token(user)
        principal = services.accounts.principal_from_token(issued.token)
        services.accounts.revoke_token(principal, issued.id)
        revoked = {"Authorization": f"Bearer {issued.token}"}
        assert _codes(c, BURST + 1, revoked) == [200] * BURST + [429]
        assert _codes(c, 1) == [429]  # those were the address's requests


def test_a_trusted_proxy_forwards_the_client_address_and_nobody_else_does(services, monkeypatch):
    services = services.configured(
        BCH_RATE_LIMIT=f"0.001,{BURST}", BCH_FORWARDED_ALLOW_IPS="10.0.0.1, 10.9.0.0/16"
    )
    app = create_app(services)

    def via(address: str) -> dict[str, str]:
        return {"X-Forwarded-For": address}

    with TestClient(app, client=("10.0.0.1", 50000)) as proxy:
        assert _codes(proxy, BURST + 1, via("203.0.113.5")) == [200] * BURST + [429]
        assert _codes(proxy, 1, via("203.0.113.6")) == [200]  # another client behind it
        # a client cannot pose as another: the right-most untrusted hop is the one that counts
        assert _codes(proxy, 1, via("203.0.113.99, 203.0.113.5")) == [429]
        assert _codes(proxy, 1, via("203.0.113.5, 10.9.3.4")) == [429]  # a second trusted proxy
    with TestClient(app, client=("198.51.100.9", 50000)) as direct:
        rotating = [via(f"203.0.113.{n}") for n in range(BURST + 2)]
        codes = [direct.get(URL, headers=h).status_code for h in rotating]
        assert codes == [200] * BURST + [429] * 2  # an untrusted peer's header is ignored


def test_the_sign_in_back_off_uses_the_forwarded_address(services, monkeypatch):
    services = services.configured(BCH_RATE_LIMIT="off", BCH_FORWARDED_ALLOW_IPS="10.0.0.1")
    add_user(services, "owner@example.org", password=PASSWORD)
    frozen = utcnow()  # the throttle's clock stands still: its 1 s back-off cannot run out
    services.accounts.throttle.clock = lambda: frozen  # between two slow requests
    wrong = {"email": "owner@example.org", "password": "not-the-password-1"}
    right = {**wrong, "password": PASSWORD}
    with TestClient(create_app(services), client=("10.0.0.1", 50000)) as proxy:
        attacker, owner = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.20"}
        for _ in range(5):
            assert proxy.post("/api/v1/auth/token", json=wrong, headers=attacker).status_code == 401
        assert proxy.post("/api/v1/auth/token", json=right, headers=attacker).status_code == 429
        assert proxy.post("/api/v1/auth/token", json=right, headers=owner).status_code == 200


@pytest.mark.parametrize(
    ("setting", "peer", "forwarded"),
    [(None, "127.0.0.1", True), ("none", "127.0.0.1", False), ("*", "198.51.100.7", True)],
)
def test_which_peers_are_trusted(services, monkeypatch, setting, peer, forwarded):
    services = services.configured(
        BCH_RATE_LIMIT=f"0.001,{BURST}", BCH_FORWARDED_ALLOW_IPS=setting or "127.0.0.1"
    )  # None: the default
    with TestClient(create_app(services), client=(peer, 50000)) as c:
        assert _codes(c, BURST, {"X-Forwarded-For": "203.0.113.1"}) == [200] * BURST
        expected = 200 if forwarded else 429
        assert _codes(c, 1, {"X-Forwarded-For": "203.0.113.2"}) == [expected]


def test_the_token_cache_expires_and_random_tokens_cannot_evict_valid_ones():
    now = [0.0]
    looked_up = []

    def lookup(d):
        looked_up.append(d)
        return utcnow() + timedelta(days=1) if d.startswith("valid") else None

    cache = ValidTokens(lookup, ttl=60, size=3, clock=lambda: now[0])
    assert cache.known("valid-1") is None and cache.check("valid-1") is True
    assert cache.known("valid-1") is True
    for n in range(10):  # a flood of invalid tokens
        assert cache.check(f"random-{n}") is False
    assert cache.known("valid-1") is True  # still there
    assert cache.known("random-0") is None and cache.known("random-9") is False  # bounded
    now[0] = 61
    assert cache.known("valid-1") is None  # asked again after the ttl
    cache.remember("valid-2", utcnow() + timedelta(seconds=5))  # expires before the ttl
    now[0] = 67
    assert cache.known("valid-2") is None
    cache.remember("valid-3", utcnow() + timedelta(days=1))
    cache.forget("valid-3")
    assert cache.known("valid-3") is None
    assert looked_up == ["valid-1", *(f"random-{n}" for n in range(10))]
