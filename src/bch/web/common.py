"""Shared helpers of the page modules: language check, principal, error pages, reads."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from bch.records.languages import LANGUAGES
from bch.records.realms import UnknownSchema
from bch.services.container import Services
from bch.services.errors import Forbidden, Gone, NotFound, ServiceError, Unauthorized
from bch.services.policy import ANONYMOUS, Principal
from bch.storage.rows import DocumentRow
from bch.web import i18n
from bch.web.i18n import _
from bch.web.render import page


def services(request: Request) -> Services:
    return request.app.state.services


def principal_of(request: Request) -> Principal:
    """The signed-in user (from the accounts layer's session) or anonymous."""
    finder = getattr(request.app.state, "web_principal", None)
    if finder is not None:
        try:
            found = finder(request)
        except ServiceError:
            found = None
        if found is not None:
            return found
    return ANONYMOUS


def error_page(request: Request, lang: str, exc: ServiceError) -> HTMLResponse:
    i18n.current_language.set(lang)
    svc = services(request)
    if isinstance(exc, Gone):
        stone = exc.extra.get("tombstone") or {}
        try:
            type_title = i18n.text(svc.registry.record_type(stone.get("schema", "")).title)
        except UnknownSchema:
            type_title = stone.get("schema", "")
        return page(
            request,
            lang,
            "error.html",
            status=410,
            heading=_("This record was deleted"),
            message=_("The record is no longer published. What remains is shown below."),
            tombstone=stone,
            tombstone_type=type_title,
        )
    if isinstance(exc, NotFound):
        heading, message = _("Not found"), _("There is no such page or record.")
    elif isinstance(exc, Unauthorized):
        heading, message = _("Please sign in"), _("Sign in to use this page.")
        return page(
            request, lang, "error.html", status=401, heading=heading, message=message, sign_in=True
        )
    elif isinstance(exc, Forbidden):
        heading = _("Not allowed")
        message = exc.extra.get("page") or _("Your account may not do this.")
    else:
        heading, message = _("The request could not be answered"), exc.message
    return page(request, lang, "error.html", status=exc.status, heading=heading, message=message)


def not_found(request: Request, lang: str) -> HTMLResponse:
    return error_page(request, lang, NotFound("not found"))


def web_page(fn: Callable[..., Response]) -> Callable[..., Response]:
    """Decorator: checks the language segment and turns service errors into HTML pages."""

    if inspect.iscoroutinefunction(fn):

        @wraps(fn)
        async def awrapper(request: Request, lang: str, *args: Any, **kwargs: Any) -> Response:
            if lang not in LANGUAGES:
                return not_found(request, "en")
            i18n.current_language.set(lang)
            try:
                return await fn(request, lang, *args, **kwargs)
            except ServiceError as exc:
                return error_page(request, lang, exc)

        return awrapper

    @wraps(fn)
    def wrapper(request: Request, lang: str, *args: Any, **kwargs: Any) -> Response:
        if lang not in LANGUAGES:
            return not_found(request, "en")
        i18n.current_language.set(lang)
        try:
            return fn(request, lang, *args, **kwargs)
        except ServiceError as exc:
            return error_page(request, lang, exc)

    return wrapper


def documents_by_identifiers(svc: Services, identifiers: set[str]) -> dict[str, DocumentRow]:
    return svc.records.documents(identifiers)


def latest_bodies(svc: Services, docs: list[DocumentRow], principal: Principal) -> dict[int, dict]:
    """Latest bodies of listed records, with confidential fields removed for the principal."""
    return svc.records.latest_bodies(docs, principal)


def all_records(
    svc: Services, principal: Principal, *, schema: str | None = None, country: str | None = None
) -> list[DocumentRow]:
    out: list[DocumentRow] = []
    cursor = None
    while True:
        p = svc.records.list(
            schema=schema, country=country, cursor=cursor, limit=1000, principal=principal
        )
        out.extend(p.items)
        if not p.next:
            return out
        cursor = p.next
