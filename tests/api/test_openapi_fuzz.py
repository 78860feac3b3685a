"""The OpenAPI document tells the truth: schemathesis over every operation, on SQLite and
PostgreSQL, finds no 5xx, no undocumented status, content type or header, no answer that breaks
its documented schema, no undocumented method answered otherwise than 405 + Allow, and no
schema-valid request refused for a parameter the schema could describe (tests/api/openapi_fuzz.py).

Bounded here (BCH_FUZZ_EXAMPLES, default 6 per operation and kind of request); `make fuzz` runs
the same with many more examples and prints the summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from bch.api.app import create_app
from bch.services.container import Services
from bch.services.ratelimit import Limit, RateLimiter
from bch.services.throttle import BackoffPolicy, LoginThrottle
from tests.api import openapi_fuzz
from tests.api.fuzz_seed import seed

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# the rate limits are real in this run, but out of reach of one client sending a few thousand
# requests: the fuzzer must see the API's answers, not 429s (which stay documented)
GENEROUS = {name: Limit(1_000_000, 1) for name in ("login", "register", "reset", "write")}


@pytest.fixture
def fuzz_app(services: Services, monkeypatch):
    services = services.configured(BCH_RATE_LIMIT="100000,1000000")
    services.accounts.limiter = RateLimiter(GENEROUS)
    services.accounts.throttle = LoginThrottle(
        services.db, BackoffPolicy(pair_free=1_000_000, address_free=1_000_000)
    )
    seeded = seed(services)
    return create_app(services), seeded


def test_every_operation_answers_as_documented(fuzz_app, services: Services):
    app, seeded = fuzz_app
    report = openapi_fuzz.run(app, seeded)
    backend = services.engine.dialect.name
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"openapi-fuzz-{backend}.txt").write_text(f"[{backend}] {report.summary()}\n")
    statuses = {status for (_op, status) in report.statuses}
    assert {200, 204, 400, 401, 403, 404, 405, 410} <= statuses  # it got somewhere
    assert not report.failures, report.summary()
