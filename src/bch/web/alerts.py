"""Alert pages (issue 14): the "Follow" form of the search, LMO and country pages, and the
pages the links of alert mails open - confirm (the link opens a page whose button confirms:
a mail scanner's GET confirms nothing), unsubscribe in one click, and
see or delete one's alerts. Every step calls the alerts service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bch.api.identity import client_ip
from bch.services.errors import ServiceError
from bch.web.common import services, web_page
from bch.web.i18n import _
from bch.web.render import page
from bch.web.submit import csrf_token, form_data

router = APIRouter(include_in_schema=False)


def _first(data: dict[str, list[str]], name: str) -> str:
    return (data.get(name) or [""])[0].strip()


def _failed(request: Request, lang: str, exc: ServiceError) -> Response:
    if exc.status == 429:
        message = _("Too many attempts from this address. Try again in %(seconds)s s.",
                    seconds=exc.extra.get("retryAfter", 1))  # fmt: skip
    elif exc.status == 404:
        message = _("This link is unknown: the alert was deleted, or the link is incomplete.")
    elif any(str(e.get("path")) == "email" for e in exc.errors or []):
        message = _("Enter an e-mail address (name@example.org).")
    else:
        message = exc.message
    response = page(
        request, lang, "notice.html", status=exc.status, heading=_("Alerts"), message=message,
        error=True,
    )  # fmt: skip
    response.headers.update(getattr(exc, "headers", {}))
    return response


@router.post("/{lang:lang}/alerts/follow")
@web_page
async def follow(request: Request, lang: str) -> Response:
    data = await form_data(request)
    filters: dict[str, list[str]] = {}
    for key, values in data.items():
        if key.startswith("f.") and len(key) > 2:
            filters[key[2:]] = [v for v in values if v.strip()]
    body = {
        "email": _first(data, "email"),
        "filters": {k: v for k, v in filters.items() if v},
        "frequency": _first(data, "frequency") or "immediate",
        "lang": lang,
    }
    try:
        services(request).alerts.subscribe(body, ip=client_ip(request))
    except ServiceError as exc:
        return _failed(request, lang, exc)
    return page(
        request, lang, "notice.html", status=202, heading=_("Check your mail"),
        message=_("We sent a link to %(email)s. The alerts start when you open it.",
                  email=body["email"]),
    )  # fmt: skip


def _token_step(
    request: Request, lang: str, step: Callable[[str], Any], token: str, heading: str,
    message: Callable[[Any], str], link: Callable[[Any], dict] | None = None,
) -> Response:  # fmt: skip
    """The shape of the pages of the mails' links: one step of the alerts service with the
    link's token, then a notice made of the subscription (or the page of the error)."""
    try:
        sub = step(token)
    except ServiceError as exc:
        return _failed(request, lang, exc)
    return page(
        request, lang, "notice.html", heading=heading, message=message(sub),
        link=link(sub) if link else None,
    )  # fmt: skip


@router.get("/{lang:lang}/alerts/confirm")
@web_page
def confirm_page(request: Request, lang: str, token: str = "") -> Response:
    """The confirmation link of the mail: a page with a button. Opening the link confirms
    nothing, so a mail scanner that follows links does not confirm for the person."""
    return page(
        request, lang, "notice.html", heading=_("Confirm your alert"),
        message=_("Press the button to start receiving these e-mail alerts."),
        button={"action": f"/{lang}/alerts/confirm", "label": _("Confirm"),
                "fields": {"token": token, "csrf": csrf_token(request)}},
    )  # fmt: skip


@router.post("/{lang:lang}/alerts/confirm")
@web_page
async def confirm(request: Request, lang: str) -> Response:
    token = _first(await form_data(request), "token")
    return _token_step(
        request, lang, services(request).alerts.confirm, token, _("Your alert is confirmed"),
        lambda sub: _("Alerts will be sent to %(email)s.", email=sub.email),
        lambda sub: {"href": f"/{lang}/alerts/manage?token={sub.token}",
                     "label": _("Your e-mail alerts")},
    )  # fmt: skip


@router.get("/{lang:lang}/alerts/unsubscribe")
@web_page
def unsubscribe(request: Request, lang: str, token: str = "") -> Response:
    """The unsubscribe link of every alert mail: one click stops that alert."""
    return _token_step(
        request, lang, services(request).alerts.unsubscribe, token, _("Unsubscribed"),
        lambda sub: _("No more alerts of this kind will be sent to %(email)s.", email=sub.email),
    )  # fmt: skip


@router.get("/{lang:lang}/alerts/manage")
@web_page
def manage(request: Request, lang: str, token: str = "") -> Response:
    try:
        subs = services(request).alerts.mine(token)
    except ServiceError as exc:
        return _failed(request, lang, exc)
    return page(request, lang, "alerts_manage.html", subscriptions=subs, token=token, message="")


@router.post("/{lang:lang}/alerts/manage")
@web_page
async def forget(request: Request, lang: str) -> Response:
    data = await form_data(request)
    token, which = _first(data, "token"), _first(data, "id")
    alerts = services(request).alerts
    try:
        subs = alerts.mine(token)
        alerts.forget(token, int(which) if which.isdigit() else None)
    except ServiceError as exc:
        return _failed(request, lang, exc)
    left = [s for s in subs if which.isdigit() and s.id != int(which)]
    try:
        left = alerts.mine(token) if left else []
    except ServiceError:
        left = []  # the link's own alert was deleted: its token is gone
    return page(
        request, lang, "alerts_manage.html", subscriptions=left, token=token,
        message=_("Deleted."),
    )  # fmt: skip
