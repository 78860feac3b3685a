"""Rate-limit counters shared by every server process (issue 15): two Services objects on one
database stand for two processes; the counters live in the database, or in Redis."""

from __future__ import annotations

import pytest

from bch.services.container import Services
from bch.services.errors import TooManyRequests
from bch.services.ratelimit import Exempt, Limit, RateLimiter, public_limiter, sliding_wait
from bch.storage.rate_counters import RedisCounters

REDIS = "redis://127.0.0.1:6379/14"


def _other_process(svc: Services) -> Services:
    return Services.open(svc.engine.url.render_as_string(hide_password=False), upgrade=False)


def test_two_processes_share_the_database_counters(services):
    other = _other_process(services)
    try:
        limits = {"login": Limit(4, 3600)}
        one = RateLimiter(limits, counters=services.rate_counters)
        two = RateLimiter(limits, counters=other.rate_counters)
        for limiter in (one, two, one, two):
            limiter.hit("login", "192.0.2.7")
        with pytest.raises(TooManyRequests) as refused:
            two.hit("login", "192.0.2.7")
        assert 0 < int(refused.value.headers["Retry-After"]) <= 3600
        with pytest.raises(TooManyRequests):
            one.hit("login", "192.0.2.7")
        one.hit("login", "192.0.2.8")  # another key has its own count
    finally:
        other.close()


def test_database_counters_count_per_window(services):
    """The hit statement (built once, bound parameters) on each backend: hits of this window,
    hits of the one before; a window skipped counts zero; keys apart; two processes share."""
    other = _other_process(services)
    try:
        one, two = services.rate_counters, other.rate_counters
        assert [one.hit("k", 10, 60) for _ in range(3)] == [(1, 0), (2, 0), (3, 0)]
        assert two.hit("k", 11, 60) == (1, 3)  # the next window: the last one's hits carried
        assert one.hit("k", 11, 60) == (2, 3)
        assert one.hit("other", 11, 60) == (1, 0)
        assert two.hit("k", 13, 60) == (1, 0)  # window 12 had none
        assert one.hit("k", 14, 60) == (1, 1)
    finally:
        other.close()


def test_the_account_service_uses_the_shared_counters(services):
    assert services.accounts.limiter.counters is services.rate_counters


def test_redis_counters_are_shared():
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=2).flushdb()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis is not reachable at {REDIS}: {exc}")
    one, two = RedisCounters(REDIS), RedisCounters(REDIS)
    assert one.hit("k", 100, 60) == (1, 0)
    assert two.hit("k", 100, 60) == (2, 0)
    assert one.hit("k", 101, 60) == (1, 2)  # the next window sees the previous one's hits
    limiter = public_limiter((1.0, 3), counters=two)
    assert [limiter.take("ip:x") == 0 for _ in range(4)] == [True, True, True, False]
    one.close(), two.close()


def test_the_sliding_window_weighs_the_previous_window():
    limit = Limit(10, 60)
    assert sliding_wait(limit, 10, 0, 6000.0) == 0  # 10 of 10, nothing before
    assert sliding_wait(limit, 11, 0, 6000.0) == 60  # over: the next window
    # 30 s into the window, 10 hits before count as 5: 6 + 5 > 10, ready when one more fades
    wait = sliding_wait(limit, 6, 10, 6030.0)
    assert 0 < wait <= 30
    assert sliding_wait(limit, 5, 10, 6030.0) == 0


def test_without_shared_counters_each_worker_allows_its_share():
    bucket = public_limiter((50.0, 1000), workers=4)
    assert (bucket.rate, bucket.burst) == (12.5, 250)
    assert public_limiter(None) is None


def test_exempt_addresses_and_networks():
    exempt = Exempt(("10.0.0.9", "192.0.2.0/24"))
    assert exempt.match("10.0.0.9") and exempt.match("192.0.2.200")
    assert not exempt.match("10.0.0.10") and not exempt.match("unknown")
    assert Exempt(("*",)).match("203.0.113.1")
