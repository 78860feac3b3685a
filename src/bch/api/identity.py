"""Who is calling: `Authorization: Bearer <token>` (API tokens) or the web session cookie.

For the web pages: `principal_of(request)`, `session_of(request)`, `start_web_session(response,
user)`, `end_web_session(request, response)` and `check_csrf(request, submitted)`. A cookie session
must send its CSRF secret (form field `csrf` or header `X-CSRF-Token`) on every state-changing
request; API tokens need none (they are not sent by browsers on their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from bch.api.deps import services
from bch.services.accounts import SESSION_HOURS, Session
from bch.services.errors import Unauthorized
from bch.services.policy import ANONYMOUS, Principal
from bch.services.users import User

SESSION_COOKIE = "bch_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _secure_cookies(request: Request) -> bool:
    """Secure cookies over HTTPS (or always with BCH_SECURE_COOKIES=1 behind a TLS proxy)."""
    return request.url.scheme == "https" or services(request).settings.secure_cookies


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "-"


def session_of(request: Request) -> Session | None:
    if "bch_session_obj" not in request.state.__dict__:
        cookie = request.cookies.get(SESSION_COOKIE)
        request.state.bch_session_obj = services(request).accounts.session(cookie)
    return request.state.bch_session_obj


def principal_of(request: Request) -> Principal:
    """The caller. A bad bearer token is 401 (never silently anonymous); a cookie session on an
    unsafe method must carry the CSRF token."""
    auth = request.headers.get("authorization")
    if auth:
        kind, _, token = auth.partition(" ")
        if kind.lower() not in ("bearer", "ticket") or not token.strip():
            raise Unauthorized("use Authorization: Bearer <token>")
        return services(request).accounts.principal_from_token(token.strip())
    session = session_of(request)
    if session is None:
        return ANONYMOUS
    if request.method not in SAFE_METHODS:
        check_csrf(request, None)
    return session.principal


def check_csrf(request: Request, submitted: str | None) -> None:
    session = session_of(request)
    if session is not None:
        token = submitted or request.headers.get(CSRF_HEADER)
        services(request).accounts.check_csrf(session, token)


def start_web_session(response: Response, request: Request, user: User) -> Session:
    session = services(request).accounts.start_session(user)
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        secure=_secure_cookies(request),
        samesite="lax",
        path="/",
    )
    return session


def end_web_session(request: Request, response: Response) -> None:
    services(request).accounts.end_session(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/")


def signed_in(request: Request) -> Principal:
    principal = principal_of(request)
    if principal.is_anonymous:
        raise Unauthorized("sign in (Authorization: Bearer <token>) to do this")
    return principal


Caller = Annotated[Principal, Depends(principal_of)]
SignedIn = Annotated[Principal, Depends(signed_in)]


def web_principal(request: Request) -> Principal | None:
    """For the web pages (app.state.web_principal): the session's principal, or None."""
    session = session_of(request)
    return session.principal if session is not None else None
