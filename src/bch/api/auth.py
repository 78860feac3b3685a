"""Accounts over the API: tokens, registration and confirmation, login/logout (web session
cookie), password reset, personal API tokens, and who am I."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from bch.api.deps import Svc, json_body, optional_object
from bch.api.identity import (
    SignedIn,
    check_csrf,
    client_ip,
    end_web_session,
    start_web_session,
)
from bch.api.params import TokenId
from bch.api.request_bodies import (
    Credentials,
    EmailOnly,
    MailedCode,
    NewPassword,
    NewToken,
    Registration,
    SignIn,
)
from bch.api.responses import errors
from bch.api.responses import json_body as body_doc
from bch.services.errors import BadRequest
from bch.storage.rows import iso_utc

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


async def _object(request: Request) -> dict[str, Any]:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise BadRequest(
            "expected a JSON object",
            errors=[{"code": "Error.InvalidJson", "path": "", "message": "expected an object"}],
        )
    return body


def _text(body: dict[str, Any], key: str) -> str | None:
    """A text member of the body: absent or null is None; any other type is a 400 naming it."""
    value = body.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadRequest(
        f"{key} must be a string",
        errors=[{"code": "Error.InvalidValue", "path": key, "message": "expected a string"}],
    )


@router.post(
    "/token",
    summary="E-mail and password -> a personal API token (shown once)",
    responses=errors(401, 403, 413),
    openapi_extra=body_doc(Credentials),
)
async def create_token(request: Request, svc: Svc):
    body = await _object(request)

    def issue():  # the password's hash and the writes: in the thread pool, off the event loop
        user = svc.accounts.login(
            _text(body, "email"), _text(body, "password"), ip=client_ip(request)
        )
        return svc.accounts.issue_token(
            user,
            name=str(_text(body, "name") or "api"),
            scope=str(_text(body, "scope") or "write"),
            days=body.get("days", 30),
        )

    return _issued_json(await run_in_threadpool(issue))


@router.post(
    "/register",
    status_code=202,
    summary="Register; a confirmation mail follows",
    responses=errors(413),
    openapi_extra=body_doc(Registration),
)
async def register(request: Request, svc: Svc):
    body = await _object(request)
    await run_in_threadpool(
        svc.accounts.register,
        _text(body, "email"),
        _text(body, "password"),
        name=_text(body, "name"),
        ip=client_ip(request),
    )
    return {"status": "check your mail to confirm the address"}


@router.post(
    "/confirm",
    summary="Confirm an e-mail address with the mailed code",
    responses=errors(413),
    openapi_extra=body_doc(MailedCode),
)
async def confirm(request: Request, svc: Svc):
    body = await _object(request)
    user = await run_in_threadpool(svc.accounts.confirm, str(_text(body, "token") or ""))
    return {"status": "confirmed", "email": user.email}


@router.get("/confirm", summary="Confirm an e-mail address (the link in the mail)")
def confirm_link(token: str, svc: Svc):
    user = svc.accounts.confirm(token)
    return {"status": "confirmed", "email": user.email}


@router.post(
    "/login",
    summary="Start a web session (cookie) with e-mail and password",
    responses=errors(401, 403, 413),
    openapi_extra=body_doc(SignIn),
)
async def login(request: Request, response: Response, svc: Svc):
    body = await _object(request)

    def sign_in():  # the password's hash and the session's write: off the event loop
        user = svc.accounts.login(
            _text(body, "email"), _text(body, "password"), ip=client_ip(request)
        )
        return user, start_web_session(response, request, user)

    user, session = await run_in_threadpool(sign_in)
    return {"email": user.email, "csrf": session.csrf, "expiresAt": iso_utc(session.expires_at)}


@router.post(
    "/logout",
    summary="End the web session (a cookie session sends X-CSRF-Token)",
    responses=errors(403),
)
def logout(request: Request, response: Response):
    check_csrf(request, None)  # a cross-site page cannot sign people out
    end_web_session(request, response)
    return {"status": "signed out"}


@router.post(
    "/password-reset",
    status_code=202,
    summary="Mail a password reset code",
    responses=errors(413),
    openapi_extra=body_doc(EmailOnly),
)
async def password_reset(request: Request, svc: Svc):
    body = await _object(request)
    await run_in_threadpool(
        svc.accounts.request_password_reset, _text(body, "email"), ip=client_ip(request)
    )
    return {"status": "if the address is registered, a code was mailed"}


@router.post(
    "/password-reset/confirm",
    summary="Set a new password with the mailed code",
    responses=errors(413),
    openapi_extra=body_doc(NewPassword),
)
async def password_reset_confirm(request: Request, svc: Svc):
    body = await _object(request)
    await run_in_threadpool(
        svc.accounts.reset_password, str(_text(body, "token") or ""), _text(body, "password")
    )
    return {"status": "password changed"}


@router.get("/me", summary="The signed-in user and their roles", responses=errors(401))
def me(principal: SignedIn):
    return {
        "email": principal.email,
        "scope": principal.scope,
        "roles": [
            {
                "role": r,
                "country": c,
                "schemas": sorted(s for rr, cc, s in principal.limits if (rr, cc) == (r, c))
                or None,
            }
            for r, c in sorted(principal.roles, key=lambda x: (x[0], x[1] or ""))
        ],
    }


@router.get("/tokens", summary="My API tokens (never the token itself)", responses=errors(401))
def list_tokens(principal: SignedIn, svc: Svc):
    return {"items": svc.accounts.tokens(principal)}


@router.post(
    "/tokens",
    status_code=201,
    summary="Create an API token (shown once)",
    responses=errors(401, 403, 413),
    openapi_extra=body_doc(NewToken, required=False),
)
async def new_token(request: Request, principal: SignedIn, svc: Svc):
    body = await optional_object(request)  # no body: a write token named "api" for 30 days
    if principal.scope != "write" and body.get("scope", "write") != "read":
        raise BadRequest("a read-only token cannot create a write token")
    user = svc.accounts.user(principal.user_id)
    assert user is not None
    issued = svc.accounts.issue_token(
        user,
        name=str(_text(body, "name") or "api"),
        scope=str(_text(body, "scope") or "write"),
        days=body.get("days", 30),
    )
    return _issued_json(issued)


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    summary="Revoke one of my API tokens",
    responses=errors(401, 403, 404),
)
def revoke_token(token_id: TokenId, principal: SignedIn, svc: Svc):
    svc.accounts.revoke_token(principal, token_id)
    return Response(status_code=204)


def _issued_json(issued) -> dict:
    """A new API token as the client sees it (the secret is shown this once)."""
    return {
        "token": issued.token,
        "expiresAt": iso_utc(issued.expires_at),
        "scope": issued.scope,
        "id": issued.id,
    }
