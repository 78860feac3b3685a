"""Sign in and out, the account page and personal API tokens (through the accounts service)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bch.api.identity import client_ip, end_web_session, start_web_session
from bch.api.params import TokenId
from bch.services.errors import ServiceError
from bch.services.numbers import MAX_INT, number_from_text
from bch.web.common import services, web_page
from bch.web.i18n import _
from bch.web.labels import role_labels
from bch.web.render import page
from bch.web.submit import csrf_token, form_data, signed_in

router = APIRouter(include_in_schema=False)


def _safe_next(lang: str, target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return f"/{lang}/submit"


@router.get("/{lang:lang}/sign-in")
@web_page
def sign_in_page(request: Request, lang: str, next: str | None = None) -> Response:
    return page(request, lang, "sign_in.html", next=_safe_next(lang, next), error=None)


@router.post("/{lang:lang}/sign-in")
@web_page
async def sign_in(request: Request, lang: str) -> Response:
    data = await form_data(request)
    target = _safe_next(lang, (data.get("next") or [None])[0])
    svc = services(request)
    try:
        user = svc.accounts.login(
            (data.get("email") or [""])[0], (data.get("password") or [""])[0], ip=client_ip(request)
        )
    except ServiceError as exc:
        response = page(
            request, lang, "sign_in.html", status=exc.status, next=target, error=_sign_in_error(exc)
        )
        response.headers.update(getattr(exc, "headers", {}))  # Retry-After of a back-off
        return response
    response = RedirectResponse(target, status_code=303)
    start_web_session(response, request, user)
    return response


def _sign_in_error(exc: ServiceError) -> str:
    if exc.status == 401:
        return _("Wrong e-mail or password.")
    if exc.status == 403:
        return _("Confirm your e-mail address first: open the link in the mail we sent you.")
    if exc.status == 429:
        seconds = exc.extra.get("retryAfter", 1)
        return _(
            "Too many failed sign-ins from this address. Try again in %(seconds)s s. The "
            "account is not locked: its owner can still sign in from elsewhere.",
            seconds=seconds,
        )
    if exc.status == 400:
        return _("Enter your e-mail address and your password.")
    return exc.message


@router.post("/{lang:lang}/sign-out")
@web_page
async def sign_out(request: Request, lang: str) -> Response:
    await form_data(request)
    response = RedirectResponse(f"/{lang}/", status_code=303)
    end_web_session(request, response)
    return response


@router.get("/{lang:lang}/account")
@web_page
def account_page(request: Request, lang: str, created: str | None = None) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    return _account(request, lang, svc, principal, None)


def _account(request, lang, svc, principal, issued) -> Response:
    roles = role_labels()
    return page(
        request,
        lang,
        "account.html",
        me=principal,
        roles=[
            (roles.get(r, r), c)
            for r, c in sorted(principal.roles, key=lambda x: (x[0], x[1] or ""))
        ],
        tokens=svc.accounts.tokens(principal),
        issued=issued,
        csrf=csrf_token(request),
        principal=principal,
    )


@router.post("/{lang:lang}/account/tokens")
@web_page
async def create_token(request: Request, lang: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    data = await form_data(request)
    user = svc.accounts.user(principal.user_id)
    if user is None:
        raise ServiceError("unknown user")
    days = (data.get("days") or ["30"])[0]
    issued = svc.accounts.issue_token(
        user,
        name=(data.get("name") or ["api"])[0] or "api",
        scope=(data.get("scope") or ["read"])[0],
        days=number_from_text(days.strip() or "30", "days", low=1, high=MAX_INT),
    )
    return _account(request, lang, svc, principal, issued)


@router.post("/{lang:lang}/account/tokens/{token_id}/revoke")
@web_page
async def revoke_token(request: Request, lang: str, token_id: TokenId) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    await form_data(request)
    svc.accounts.revoke_token(principal, token_id)
    return RedirectResponse(f"/{lang}/account", status_code=303)
