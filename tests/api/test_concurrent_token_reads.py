"""Regression (issue 17): every authenticated request wrote api_tokens.last_used_at in its read
transaction, so concurrent requests on SQLite failed with 500 "database is locked" (8 threads x
50 GET /api/v1/auth/me: 87 of 400 failed). Reads no longer write: last_used_at is written at most
once a minute per token, in the background. Both backends, the in-process app, a file database."""

from __future__ import annotations

import threading
from collections import Counter

from fastapi.testclient import TestClient
from sqlalchemy import select

from bch.api.app import create_app
from bch.services.credentials import digest
from bch.storage.tables import api_tokens
from tests.accounts.helpers import PASSWORD, add_user, bearer

THREADS, REQUESTS = 8, 50


def _hammer(app, credentials: list[dict]) -> tuple[Counter, list[str]]:
    """THREADS threads, each REQUESTS x GET /api/v1/auth/me with its credentials (headers or
    cookies), started together."""
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    start = threading.Barrier(THREADS)

    def reader(n: int) -> None:
        kind, value = next(iter(credentials[n].items()))
        with TestClient(app, raise_server_exceptions=False) as c:
            start.wait()
            for _ in range(REQUESTS):
                if kind == "headers":
                    r = c.get("/api/v1/auth/me", headers=value)
                else:
                    c.cookies.set("bch_session", value)
                    r = c.get("/api/v1/auth/me")
                statuses[r.status_code] += 1
                if r.status_code != 200:
                    errors.append(r.text[:200])

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, errors


def test_concurrent_authenticated_reads_all_succeed(services, monkeypatch):
    services = services.configured(BCH_RATE_LIMIT="off")
    if services.engine.dialect.name == "sqlite":
        assert services.engine.url.database  # a file, as in production
    app = create_app(services)
    emails = [f"reader{n}@example.org" for n in range(THREADS)]
    for email in emails:
        add_user(services, email, "nfp", "KE", password=PASSWORD)
    with TestClient(app) as c:
        tokens = [bearer(c, email) for email in emails]
        shared = tokens[0]
    # half the threads share one token, half have their own
    credentials = [{"headers": shared if n % 2 else tokens[n]} for n in range(THREADS)]
    statuses, errors = _hammer(app, credentials)
    assert statuses == Counter({200: THREADS * REQUESTS}), (statuses, errors[:3])
    # the bookkeeping still happens: each token used got its last_used_at, the others none
    services.accounts.usage.wait()
    with services.engine.connect() as conn:
        used = {r.token_hash for r in conn.execute(select(api_tokens)) if r.last_used_at}
    expected = {token_hash(tokens[n]) for n in range(THREADS) if n % 2 == 0}
    assert used == expected


def token_hash(auth: dict[str, str]) -> str:
    return digest(auth["Authorization"].removeprefix("Bearer "))


def test_concurrent_session_reads_all_succeed(services, monkeypatch):
    """Web sessions (cookie) only read on a request too."""
    services = services.configured(BCH_RATE_LIMIT="off")
    app = create_app(services)
    add_user(services, "web@example.org", "nfp", "KE", password=PASSWORD)
    cookies = []
    for _ in range(THREADS):
        user = services.accounts.login("web@example.org", PASSWORD, ip="198.51.100.1")
        cookies.append({"cookie": services.accounts.start_session(user).token})
    statuses, errors = _hammer(app, cookies)
    assert statuses == Counter({200: THREADS * REQUESTS}), (statuses, errors[:3])
