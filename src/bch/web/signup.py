"""Account pages without a session: sign up, the confirmation link of the sign-up mail, and
"forgot password" (a mailed single-use link that opens a page to choose a new password). Every
step calls the accounts service; its problems come back on the same page, in the page language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bch.api.identity import client_ip
from bch.services.credentials import MAX_LENGTH, MIN_LENGTH
from bch.services.errors import ServiceError
from bch.web.common import services, web_page
from bch.web.i18n import _
from bch.web.render import page
from bch.web.submit import form_data

router = APIRouter(include_in_schema=False)


def _field(data: dict[str, list[str]], name: str) -> str:
    return (data.get(name) or [""])[0]


def _problem(exc: ServiceError) -> tuple[str, str]:
    """(field, message in the page language) of an accounts service error."""
    paths = [str(e.get("path") or "") for e in exc.errors or []]
    if exc.status == 429:
        seconds = exc.extra.get("retryAfter", 1)
        return "", _(
            "Too many attempts from this address. Try again in %(seconds)s s.", seconds=seconds
        )
    if "password" in paths:
        return "password", _(
            "A password has %(low)s to %(high)s characters.", low=MIN_LENGTH, high=MAX_LENGTH
        )
    if "email" in paths:
        return "email", _("Enter an e-mail address (name@example.org).")
    if "token" in paths:
        return "token", _(
            "This link is unknown, was used already or has expired. Ask for a new one."
        )
    return "", exc.message


def _passwords(data) -> tuple[str, str | None]:
    password = _field(data, "password")
    if password != _field(data, "password2"):
        return password, _("The two passwords differ.")
    return password, None


# -- sign up ------------------------------------------------------------------------------------
@router.get("/{lang:lang}/sign-up")
@web_page
def sign_up_page(request: Request, lang: str) -> Response:
    return page(request, lang, "sign_up.html", values={}, error=None, field=None)


@router.post("/{lang:lang}/sign-up")
@web_page
async def sign_up(request: Request, lang: str) -> Response:
    data = await form_data(request)
    values = {"email": _field(data, "email").strip(), "name": _field(data, "name").strip()}
    password, mismatch = _passwords(data)
    if mismatch:
        return page(
            request, lang, "sign_up.html", status=400, values=values, error=mismatch,
            field="password2",
        )  # fmt: skip
    try:
        services(request).accounts.register(
            values["email"], password, name=values["name"] or None, ip=client_ip(request), lang=lang
        )
    except ServiceError as exc:
        field, message = _problem(exc)
        response = page(
            request, lang, "sign_up.html", status=exc.status, values=values, error=message,
            field=field,
        )  # fmt: skip
        response.headers.update(getattr(exc, "headers", {}))
        return response
    return page(
        request,
        lang,
        "notice.html",
        status=202,
        heading=_("Check your mail"),
        message=_(
            "We sent a link to %(email)s. Open it within 24 hours to confirm the address, then "
            "sign in.",
            email=values["email"],
        ),
    )


@router.get("/{lang:lang}/confirm")
@web_page
def confirm(request: Request, lang: str, token: str = "") -> Response:
    """The link of the sign-up mail: confirms the address (once) and says what comes next."""
    try:
        user = services(request).accounts.confirm(token)
    except ServiceError as exc:
        return page(
            request, lang, "notice.html", status=exc.status, heading=_("Not confirmed"),
            message=_problem(exc)[1], error=True,
        )  # fmt: skip
    return page(
        request,
        lang,
        "notice.html",
        heading=_("Your address is confirmed"),
        message=_("%(email)s is confirmed. You can sign in now.", email=user.email),
        sign_in=user.email,
    )


# -- forgotten password ---------------------------------------------------------------------------
@router.get("/{lang:lang}/password-reset")
@web_page
def reset_page(request: Request, lang: str) -> Response:
    return page(request, lang, "password_reset.html", error=None, email="")


@router.post("/{lang:lang}/password-reset")
@web_page
async def reset_request(request: Request, lang: str) -> Response:
    data = await form_data(request)
    email = _field(data, "email").strip()
    try:
        services(request).accounts.request_password_reset(email, ip=client_ip(request), lang=lang)
    except ServiceError as exc:
        response = page(
            request, lang, "password_reset.html", status=exc.status, error=_problem(exc)[1],
            email=email,
        )  # fmt: skip
        response.headers.update(getattr(exc, "headers", {}))
        return response
    return page(
        request,
        lang,
        "notice.html",
        status=202,
        heading=_("Check your mail"),
        message=_(
            "If %(email)s has an account, we sent it a link to choose a new password. The link "
            "works once, within 24 hours.",
            email=email,
        ),
    )


@router.get("/{lang:lang}/password-reset/confirm")
@web_page
def new_password_page(request: Request, lang: str, token: str = "") -> Response:
    return page(request, lang, "password_new.html", token=token, error=None)


@router.post("/{lang:lang}/password-reset/confirm")
@web_page
async def new_password(request: Request, lang: str) -> Response:
    data = await form_data(request)
    token = _field(data, "token")
    password, mismatch = _passwords(data)
    error = mismatch
    if error is None:
        try:
            services(request).accounts.reset_password(token, password)
        except ServiceError as exc:
            error = _problem(exc)[1]
            status = exc.status
    else:
        status = 400
    if error is not None:
        return page(request, lang, "password_new.html", status=status, token=token, error=error)
    return page(
        request,
        lang,
        "notice.html",
        heading=_("Your password was changed"),
        message=_("Sign in with the new password. Every other session of the account ended."),
        sign_in="",
    )
