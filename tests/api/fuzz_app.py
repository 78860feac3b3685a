"""The seeded application the OpenAPI fuzzers run against (tests/api/test_openapi_fuzz.py,
tests/api/test_openapi_stateful.py): one per backend and test module on each worker, shared by
the module's test items (the fuzz of a group of operations each), instead of a database, a seed,
an app and a parsed OpenAPI document per test. The items of a module run in collection order on
a worker, so the state one leaves (a record deleted, a token revoked) is what the next finds,
as in one long run; fuzzing never asserted a state, only that every answer is as documented."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bch.api.app import create_app
from bch.services.ratelimit import Limit, RateLimiter
from bch.services.throttle import BackoffPolicy, LoginThrottle
from tests.api.fuzz_seed import Seeded, seed
from tests.module_db import BACKEND_PARAMS, module_database

# the rate limits are real in this run, but out of reach of one client sending a few thousand
# requests: the fuzzer must see the API's answers, not 429s (which stay documented)
GENEROUS = {name: Limit(1_000_000, 1) for name in ("login", "register", "reset", "write")}


@dataclass
class FuzzApp:
    app: Any
    seeded: Seeded
    backend: str
    schema: Any = None  # the schemathesis schema of the app, loaded by the first test needing it


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def fuzz_app(request, tmp_path_factory) -> Iterator[FuzzApp]:
    with module_database(request, tmp_path_factory, "fuzz") as base:
        services = base.configured(BCH_RATE_LIMIT="100000,1000000")
        services.accounts.limiter = RateLimiter(GENEROUS)
        services.accounts.throttle = LoginThrottle(
            services.db, BackoffPolicy(pair_free=1_000_000, address_free=1_000_000)
        )
        seeded = seed(services)
        yield FuzzApp(create_app(services), seeded, request.param)
