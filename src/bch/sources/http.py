"""The shared HTTP client of the live adapters: timeouts, bounded retries with backoff, a circuit
breaker and a polite rate limit per host, and a User-Agent that says who is asking."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from bch import __version__
from bch.sources.base import SourceError, SourceTimeout, SourceUnavailable
from bch.tls import client_context

USER_AGENT = (
    f"bch-clearing-house/{__version__} (Biosafety Clearing-House; matching LMO records; "
    "+https://bch.cbd.int)"
)


@dataclass
class Breaker:
    """Opens after `threshold` consecutive failures; lets one trial through after `cooldown`."""

    threshold: int = 3
    cooldown: float = 30.0
    failures: int = 0
    opened_at: float | None = None

    def allow(self, now: float) -> bool:
        return self.opened_at is None or now - self.opened_at >= self.cooldown

    def success(self) -> None:
        self.failures, self.opened_at = 0, None

    def failure(self, now: float) -> None:
        self.failures += 1
        if self.failures >= self.threshold:
            self.opened_at = now


@dataclass
class HostState:
    breaker: Breaker
    next_slot: float = 0.0


@dataclass
class SourceHttp:
    """One per process; the breaker and rate-limit state outlive single requests."""

    timeout: float = 5.0
    retries: int = 2  # extra attempts after the first, on connection errors and 5xx
    backoff: float = 0.2  # seconds, doubled at each retry
    min_interval: float = 0.5  # polite gap between two requests to the same host
    breaker_threshold: int = 3
    breaker_cooldown: float = 30.0
    user_agent: str = USER_AGENT
    _hosts: dict[str, HostState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _host(self, url: str) -> HostState:
        host = urlsplit(url).netloc
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = HostState(
                    Breaker(self.breaker_threshold, self.breaker_cooldown)
                )
            return self._hosts[host]

    def _reserve_slot(self, state: HostState) -> float:
        """Seconds to wait before this request may go out (rate limit per host)."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, state.next_slot)
            state.next_slot = slot + self.min_interval
            return slot - now

    def breaker_open(self, url: str) -> bool:
        return not self._host(url).breaker.allow(time.monotonic())

    async def get(
        self, source: str, url: str, *, timeout: float | None = None, allow_404: bool = False
    ) -> httpx.Response | None:
        """GET a page; None for a 404 when allowed. Raises SourceTimeout / SourceUnavailable."""
        state = self._host(url)
        limit = timeout or self.timeout
        if not state.breaker.allow(time.monotonic()):
            raise SourceUnavailable(source, f"circuit open after repeated failures of {url}")
        last: SourceError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            await asyncio.sleep(self._reserve_slot(state))
            try:
                async with httpx.AsyncClient(
                    verify=client_context(),
                    timeout=httpx.Timeout(limit),
                    headers={"User-Agent": self.user_agent},
                    follow_redirects=True,
                ) as client:
                    resp = await client.get(url)
            except asyncio.CancelledError:  # the overall deadline gave up on this host
                state.breaker.failure(time.monotonic())
                raise
            except httpx.TimeoutException:
                state.breaker.failure(time.monotonic())
                raise SourceTimeout(source, f"no answer within {limit:g} s from {url}") from None
            except httpx.HTTPError as exc:
                last = SourceUnavailable(source, f"{type(exc).__name__} on {url}")
                state.breaker.failure(time.monotonic())
                continue
            if resp.status_code == 404 and allow_404:
                state.breaker.success()
                return None
            if resp.status_code >= 500:
                last = SourceUnavailable(source, f"HTTP {resp.status_code} from {url}")
                state.breaker.failure(time.monotonic())
                continue
            if resp.status_code >= 400:
                state.breaker.success()
                raise SourceUnavailable(source, f"HTTP {resp.status_code} from {url}")
            state.breaker.success()
            return resp
        assert last is not None
        raise last

    async def text(self, source: str, url: str, **kw) -> str | None:
        resp = await self.get(source, url, **kw)
        return None if resp is None else resp.text
