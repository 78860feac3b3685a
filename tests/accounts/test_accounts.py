"""Accounts on both backends: registration with mail confirmation through a real SMTP server,
login (its back-off: test_login_throttle.py), password reset, API tokens, sessions with CSRF,
audited role grants."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bch.services.credentials import digest
from bch.services.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from bch.storage.rows import utcnow
from bch.storage.tables import api_tokens, audit_log, users
from tests.accounts.helpers import PASSWORD, Mailbox, add_user

CODE = re.compile(r"^([A-Za-z0-9_-]{40,})\r?$", re.MULTILINE)


def _code(msg) -> str:
    return CODE.search(Mailbox.body(msg)).group(1)


def test_registration_needs_the_mailed_confirmation(services, mailbox):
    acc = services.accounts
    acc.register("Wanjiru@Example.org", PASSWORD, ip="10.0.0.1")
    [mail] = mailbox.wait_for("wanjiru@example.org")
    assert "confirm" in mail["Subject"].lower()
    with pytest.raises(Forbidden, match="confirm"):
        acc.login("wanjiru@example.org", PASSWORD)
    with pytest.raises(BadRequest):
        acc.confirm("not-the-code")
    user = acc.confirm(_code(mail))
    assert user.email == "wanjiru@example.org"
    assert acc.login("WANJIRU@example.org", PASSWORD).id == user.id
    with pytest.raises(BadRequest, match="used"):
        acc.confirm(_code(mail))  # single use


def test_registering_a_known_address_creates_nothing_and_says_so_by_mail(services, mailbox):
    add_user(services, "known@example.org", password=PASSWORD)
    services.accounts.register("known@example.org", "Another-pass-99", ip="1")
    [mail] = mailbox.wait_for("known@example.org")
    assert "already have an account" in mail["Subject"]
    with services.engine.connect() as conn:
        assert len(conn.execute(select(users)).all()) == 1
    assert services.accounts.login("known@example.org", PASSWORD)  # password unchanged


def test_bad_registration_input_names_the_field(services):
    with pytest.raises(BadRequest) as e:
        services.accounts.register("not-an-address", PASSWORD)
    assert e.value.errors[0]["path"] == "email"
    with pytest.raises(BadRequest) as e:
        services.accounts.register("short@example.org", "short")
    assert e.value.errors[0]["path"] == "password"


def test_password_reset_by_mail(services, mailbox):
    add_user(services, "reset@example.org", password=PASSWORD)
    services.accounts.request_password_reset("reset@example.org")
    services.accounts.request_password_reset("nobody@example.org")  # no mail, no error
    [mail] = mailbox.wait_for("reset@example.org")
    assert not mailbox.to("nobody@example.org")
    services.accounts.reset_password(_code(mail), "A-new-password-7")
    with pytest.raises(Unauthorized):
        services.accounts.login("reset@example.org", PASSWORD)
    assert services.accounts.login("reset@example.org", "A-new-password-7")
    with pytest.raises(BadRequest):
        services.accounts.reset_password(_code(mail), "Yet-another-pw-8")


def test_login_rate_limit_answers_retry_after(services):
    from bch.services.ratelimit import Limit, RateLimiter

    services.accounts.limiter = RateLimiter({"login": Limit(3, 60)})
    for _ in range(3):
        with pytest.raises(Unauthorized):
            services.accounts.login("x@example.org", "whatever-pass", ip="9.9.9.9")
    with pytest.raises(TooManyRequests) as e:
        services.accounts.login("x@example.org", "whatever-pass", ip="9.9.9.9")
    assert 1 <= int(e.value.headers["Retry-After"]) <= 61


def test_api_tokens_are_hashed_scoped_expiring_and_revocable(services):
    add_user(services, "tok@example.org", "nfp", "KE", password=PASSWORD)
    acc = services.accounts
    user = acc.login("tok@example.org", PASSWORD)
    issued = acc.issue_token(user, name="script", scope="read", days=7)
    with services.engine.connect() as conn:
        stored = conn.execute(select(api_tokens)).one()
    assert stored.token_hash == digest(issued.token) and issued.token not in str(stored)
    p = acc.principal_from_token(issued.token)
    assert p.email == "tok@example.org" and p.scope == "read" and p.has_role("nfp", "KE")
    listed = acc.tokens(p)
    assert listed[0]["name"] == "script" and "token" not in listed[0]
    acc.revoke_token(p, issued.id)
    with pytest.raises(Unauthorized):
        acc.principal_from_token(issued.token)
    with pytest.raises(NotFound):
        acc.revoke_token(p, issued.id)
    second = acc.issue_token(user, days=1)
    with services.engine.begin() as conn:
        conn.execute(update(api_tokens).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Unauthorized):
        acc.principal_from_token(second.token)
    with pytest.raises(BadRequest):
        acc.issue_token(user, scope="admin")


def test_sessions_carry_a_csrf_secret(services):
    add_user(services, "web@example.org", "secretariat", password=PASSWORD)
    acc = services.accounts
    session = acc.start_session(acc.login("web@example.org", PASSWORD))
    found = acc.session(session.token)
    assert found is not None and found.principal.has_role("secretariat")
    acc.check_csrf(found, session.csrf)
    with pytest.raises(Forbidden):
        acc.check_csrf(found, "forged")
    with pytest.raises(Forbidden):
        acc.check_csrf(found, None)
    acc.end_session(session.token)
    assert acc.session(session.token) is None


def test_role_grants_are_audited_and_shape_the_principal(services):
    p = add_user(services, "nau@example.org", "nau", "ke", schemas=["biosafetyDecision"])
    assert p.has_role("nau", "KE")
    assert p.has_role_for("nau", "KE", "biosafetyDecision")
    assert not p.has_role_for("nau", "KE", "biosafetyLaw")
    services.accounts.grant("nau@example.org", "nfp", "KE", by="admin@example.org")
    services.accounts.revoke("nau@example.org", "nau", "KE", by="admin@example.org")
    with services.engine.connect() as conn:
        user = services.accounts.users.by_email(conn, "nau@example.org")
        p = services.accounts.users.principal(conn, user)
        entries = conn.execute(select(audit_log).order_by(audit_log.c.id)).all()
    assert p.has_role("nfp", "KE") and not p.has_role("nau", "KE")
    grants = [(e.action, e.actor, e.detail["role"]) for e in entries if e.action.startswith("role")]
    assert grants == [
        ("role.grant", "test", "nau"),
        ("role.grant", "admin@example.org", "nfp"),
        ("role.revoke", "admin@example.org", "nau"),
    ]
    with pytest.raises(BadRequest, match="country"):
        services.accounts.grant("nau@example.org", "nfp", None, by="x")
    with pytest.raises(BadRequest, match="unknown role"):
        services.accounts.grant("nau@example.org", "admin", None, by="x")
    with pytest.raises(BadRequest, match="national"):
        services.accounts.grant("nau@example.org", "nau", "KE", schemas=["organism"], by="x")
    with services.engine.connect() as conn, pytest.raises(Conflict):
        services.accounts.users.create(conn, "nau@example.org", None, confirmed=True)


def test_the_audit_log_is_for_the_secretariat(services):
    sec = add_user(services, "sec@example.org", "secretariat")
    other = add_user(services, "nfp@example.org", "nfp", "KE")
    items, _ = services.audit.entries(sec)
    assert {i["action"] for i in items} >= {"user.add", "role.grant"}
    with pytest.raises(Forbidden):
        services.audit.entries(other)
