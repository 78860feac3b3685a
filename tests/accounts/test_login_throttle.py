"""Failed sign-ins back off per (account, address) and per address, never lock the owner out
(issue 17: five wrong passwords used to lock any account, even against the right password).
The throttle state is in the database: other processes see it. Both backends, a real SMTP server.

Time is the throttle's clock, set by the tests (no sleeping, no wall-clock assertions)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bch.api.app import create_app
from bch.services.container import Services
from bch.services.errors import TooManyRequests, Unauthorized
from bch.services.throttle import BackoffPolicy
from bch.storage.rows import as_utc, utcnow
from bch.storage.tables import audit_log, login_throttle
from tests.accounts.helpers import PASSWORD, Mailbox, add_user

OWNER = "owner@example.org"
WRONG = "not-the-password-1"


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(services) -> Iterator[Clock]:
    throttle = services.accounts.throttle
    before = throttle.clock, throttle.policy
    throttle.clock = clock = Clock()
    throttle.policy = BackoffPolicy()  # the defaults, whatever the environment
    yield clock
    throttle.clock, throttle.policy = before


def _attempt(svc, password: str, ip: str, email: str = OWNER) -> str:
    """'ok', '401' or '429 <Retry-After>'."""
    try:
        svc.accounts.login(email, password, ip=ip)
    except Unauthorized:
        return "401"
    except TooManyRequests as exc:
        return f"429 {exc.headers['Retry-After']}"
    return "ok"


def test_wrong_passwords_slow_one_address_down_and_never_lock_the_owner_out(
    services, clock, mailbox
):
    add_user(services, OWNER, password=PASSWORD)
    attacker = "203.0.113.7"
    # five free failures, then the pair backs off 1 s, 2 s, 4 s, ... (attempts while blocked
    # are refused without a password check and without counting)
    got = []
    for _ in range(6):
        got.append(_attempt(services, WRONG, attacker))
        got.append(_attempt(services, WRONG, attacker))  # immediately again
        clock.advance(60)  # the back-off has passed; try once more
    assert got[:5] == ["401"] * 5
    assert got[5:] == ["429 1", "401", "429 2", "401", "429 4", "401", "429 8"]
    # even the right password waits at the attacker's address
    assert _attempt(services, WRONG, attacker) == "401"
    assert _attempt(services, PASSWORD, attacker) == "429 16"
    # the owner, from their own address, signs in at once
    assert _attempt(services, PASSWORD, "198.51.100.20") == "ok"
    # ... and is told, once, that someone failed to sign in, from where, and that nothing is locked
    [mail] = mailbox.wait_for(OWNER)
    body = Mailbox.body(mail)
    assert "failed sign-ins" in mail["Subject"]
    assert attacker in body and "not locked" in body and "password-reset" in body
    with services.engine.connect() as conn:
        actions = [r.action for r in conn.execute(select(audit_log.c.action))]
    assert actions.count("user.login_failures") == 1


def test_many_addresses_against_one_account_slow_each_down_but_the_owner_gets_in(
    services, clock, mailbox
):
    add_user(services, OWNER, password=PASSWORD)
    botnet = [f"192.0.2.{n}" for n in range(1, 41)]
    first = [_attempt(services, WRONG, ip) for ip in botnet]
    assert first == ["401"] * len(botnet)  # every new address gets its try...
    again = [_attempt(services, WRONG, ip) for ip in botnet]
    # ... and once the account is under attack (10 failures), one failure is enough to back off
    assert again[:9] == ["401"] * 9
    assert all(r.startswith("429") for r in again[9:]), again
    # the account itself is never locked: the owner's right password from a fresh address works
    assert _attempt(services, PASSWORD, "198.51.100.20") == "ok"
    # and a mistake of the owner's own costs them their own address's back-off only
    assert _attempt(services, WRONG, "198.51.100.20") == "401"
    assert _attempt(services, PASSWORD, "198.51.100.20").startswith("429 ")
    assert _attempt(services, PASSWORD, "198.51.100.21") == "ok"
    assert len(mailbox.wait_for(OWNER)) == 1  # one mail per hour, however many failures
    clock.advance(3600)  # an hour later the count starts again, and so do the mails
    assert [_attempt(services, WRONG, f"192.0.2.{n}") for n in range(200, 205)] == ["401"] * 5
    assert len(mailbox.wait_for(OWNER, 2)) == 2


def test_one_address_guessing_many_accounts_backs_off(services, clock):
    add_user(services, OWNER, password=PASSWORD)
    stuffer = "203.0.113.9"
    got = [_attempt(services, WRONG, stuffer, f"user{n}@example.org") for n in range(25)]
    assert got[:20] == ["401"] * 20 and got[20].startswith("429")
    assert _attempt(services, PASSWORD, stuffer).startswith("429")  # that address waits
    assert _attempt(services, PASSWORD, "198.51.100.20") == "ok"  # nobody else does


def test_back_off_ends_and_a_success_clears_the_pair(services, clock):
    add_user(services, OWNER, password=PASSWORD)
    ip = "203.0.113.7"
    for _ in range(5):
        assert _attempt(services, WRONG, ip) == "401"
    assert _attempt(services, PASSWORD, ip) == "429 1"
    clock.advance(1)
    assert _attempt(services, PASSWORD, ip) == "ok"
    with services.engine.connect() as conn:
        scopes = sorted(r.scope for r in conn.execute(select(login_throttle.c.scope)))
    assert scopes == ["account", "address"]  # the pair starts again; no address is stored
    assert _attempt(services, WRONG, ip) == "401"  # five free failures again
    # counters that saw no failure for an hour start again too
    for _ in range(4):
        assert _attempt(services, WRONG, "203.0.113.8") == "401"
    clock.advance(3601)
    assert [_attempt(services, WRONG, "203.0.113.8") for _ in range(5)] == ["401"] * 5


def test_unknown_accounts_are_throttled_alike_and_nobody_is_mailed(services, clock, mailbox):
    add_user(services, OWNER, password=PASSWORD)
    got = [_attempt(services, WRONG, "203.0.113.7", "nobody@example.org") for _ in range(7)]
    assert got[:5] == ["401"] * 5 and got[5].startswith("429")
    assert _attempt(services, WRONG, "203.0.113.7") == "401"  # another pair
    assert mailbox.to("nobody@example.org") == [] and mailbox.to(OWNER) == []


def test_the_back_off_is_shared_with_other_processes(services, clock):
    """Failures made by another process (its own engine and memory) count here, and back."""
    add_user(services, OWNER, password=PASSWORD)
    url = services.engine.url.render_as_string(hide_password=False)
    script = (
        "import sys\n"
        "from bch.services.container import Services\n"
        "from bch.services.errors import Unauthorized\n"
        "svc = Services.open(sys.argv[1])\n"
        "for _ in range(5):\n"
        "    try:\n"
        f"        svc.accounts.login({OWNER!r}, {WRONG!r}, ip='203.0.113.7')\n"
        "    except Unauthorized:\n"
        "        print('401')\n"
        "svc.close()\n"
    )
    env = {"BCH_LOCKOUT_THRESHOLD": "5", "BCH_LOCKOUT_SECONDS": "900"}
    done = subprocess.run(
        [sys.executable, "-c", script, url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert done.stdout.split() == ["401"] * 5, done.stderr
    with services.engine.connect() as conn:
        pair = conn.execute(select(login_throttle).where(login_throttle.c.scope == "pair")).one()
    assert pair.failures == 5 and pair.blocked_until is not None
    clock.now = as_utc(pair.updated_at)  # the moment the other process failed for the fifth time
    assert _attempt(services, PASSWORD, "203.0.113.7") == "429 1"
    # and a second service object on the same database (another server) sees it too
    other = Services.open(url)
    try:
        other.accounts.throttle.clock = clock
        with pytest.raises(TooManyRequests):
            other.accounts.login(OWNER, PASSWORD, ip="203.0.113.7")
        assert other.accounts.login(OWNER, PASSWORD, ip="198.51.100.20").email == OWNER
    finally:
        other.close()


def test_the_back_off_over_http_and_on_the_sign_in_page(services, clock):
    add_user(services, OWNER, password=PASSWORD)
    app = create_app(services)
    wrong, right = {"email": OWNER, "password": WRONG}, {"email": OWNER, "password": PASSWORD}
    with TestClient(app, client=("203.0.113.7", 50000)) as c:
        codes = [c.post("/api/v1/auth/token", json=wrong).status_code for _ in range(5)]
        assert codes == [401] * 5
        r = c.post("/api/v1/auth/token", json=right)
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"
        assert r.json()["code"] == "tooManyRequests" and "not locked" in r.json()["message"]
        page = c.post("/fr/sign-in", data=right, follow_redirects=False)
        assert page.status_code == 429 and page.headers["Retry-After"] == "1"
        assert "Trop de tentatives de connexion échouées depuis cette adresse" in page.text
    with TestClient(app, client=("198.51.100.20", 50000)) as c:
        assert c.post("/api/v1/auth/token", json=right).status_code == 200
        assert c.post("/fr/sign-in", data=right, follow_redirects=False).status_code == 303
