"""Submission pages: record forms (save draft, preview, request publication), my drafts and
requests, the approval queue. Every write goes through the drafts and workflow services."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bch.api.bodies import read_body
from bch.api.identity import check_csrf, session_of
from bch.api.params import RequestId
from bch.config import MAX_DOCUMENT_BYTES
from bch.records.realms import UnknownSchema
from bch.services.errors import NotFound, ServiceError, Unauthorized
from bch.web import forms, i18n
from bch.web.common import documents_by_identifiers, principal_of, services, web_page
from bch.web.display import Displayer, referenced_identifiers
from bch.web.i18n import _
from bch.web.labels import problem_text, request_states
from bch.web.render import page

router = APIRouter(include_in_schema=False)


async def form_data(request: Request) -> dict[str, list[str]]:
    body = await read_body(request, MAX_DOCUMENT_BYTES)
    data = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    check_csrf(request, (data.get("csrf") or [None])[0])
    return data


def csrf_token(request: Request) -> str:
    session = session_of(request)
    return session.csrf if session else ""


def signed_in(request: Request, lang: str):
    principal = principal_of(request)
    if principal.is_anonymous:
        raise Unauthorized(_("Sign in to submit records."))
    return principal


def _record_type(svc, schema: str):
    try:
        return svc.registry.record_type(schema, "BCH")
    except UnknownSchema:
        raise NotFound(f"no record type {schema!r}") from None


@router.get("/{lang:lang}/submit")
@web_page
def submit_index(request: Request, lang: str) -> Response:
    svc, principal = services(request), principal_of(request)
    types = sorted(
        (
            (rt.name, i18n.text(rt.title), i18n.text(rt.description), rt.type)
            for rt in svc.registry.realms["BCH"].schemas.values()
        ),
        key=lambda t: (t[3] != "national", t[1]),
    )
    return page(request, lang, "submit_index.html", types=types, principal=principal)


def _translated(problems) -> list[dict]:
    """Problems with their message in the page language (by code; English for unknown codes)."""
    return [
        {**p, "message": problem_text(str(p.get("code") or ""), str(p.get("message") or ""))}
        for p in problems or []
    ]


def _form_page(
    request, lang, rt, doc, *, etag="", errors=None, warnings=None, saved=False, status=200
):
    svc = services(request)
    errors = _translated(errors)
    warnings = _translated(warnings)
    problems = forms.field_errors(errors)
    items = forms.widgets(svc, rt, doc, problems)
    return page(
        request,
        lang,
        "form.html",
        status=status,
        rt=rt,
        type_title=i18n.text(rt.title),
        identifier=doc["header"]["identifier"],
        etag=etag,
        languages=doc["header"].get("languages") or [lang if lang != "ar" else "ar"],
        widgets=items,
        errors=errors,
        labels={w.name: w.label for w in items},
        warnings=warnings or [],
        saved=saved,
        csrf=csrf_token(request),
        principal=principal_of(request),
    )


@router.get("/{lang:lang}/submit/{schema}")
@web_page
def new_form(request: Request, lang: str, schema: str, draft: str | None = None) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    rt = _record_type(svc, schema)
    etag = ""
    if draft:
        found = svc.drafts.get(principal, draft)
        doc, etag = found.document, found.etag
    else:
        doc = {"header": {"identifier": str(uuid.uuid4()), "schema": rt.name, "languages": [lang]}}
        country = next((c for r, c in principal.roles if r in ("nfp", "nau") and c), None)
        if rt.is_national and country:
            doc["government"] = {"identifier": country}
    return _form_page(request, lang, rt, doc, etag=etag)


@router.post("/{lang:lang}/submit/{schema}")
@web_page
async def post_form(request: Request, lang: str, schema: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    rt = _record_type(svc, schema)
    data = await form_data(request)
    identifier = (data.get("identifier") or [str(uuid.uuid4())])[0]
    doc = forms.parse(svc, rt, data, identifier)
    action = (data.get("action") or ["save"])[0]
    etag = (data.get("etag") or [""])[0] or None
    try:
        saved, _created = svc.drafts.save(principal, identifier, doc, if_match=etag)
    except ServiceError as exc:
        problems = exc.errors or [{"path": "", "message": exc.message}]
        return _form_page(
            request, lang, rt, doc, etag=etag or "", errors=problems, status=exc.status
        )
    if action == "save":
        result = svc.drafts.check(doc)
        return _form_page(
            request,
            lang,
            rt,
            doc,
            etag=saved.etag,
            errors=[p.as_dict() for p in result.errors],
            warnings=[p.as_dict() for p in result.warnings],
            saved=True,
        )
    if action == "request":
        return await _publish(request, lang, identifier, doc, rt, saved.etag)
    return RedirectResponse(f"/{lang}/drafts/{quote(identifier)}", status_code=303)


async def _publish(request, lang, identifier, doc, rt, etag: str) -> Response:
    svc, principal = services(request), principal_of(request)
    try:
        result = svc.workflow.publish_draft(principal, identifier)
    except ServiceError as exc:
        problems = exc.errors or [{"path": "", "message": exc.message}]
        return _form_page(request, lang, rt, doc, etag=etag, errors=problems, status=exc.status)
    if result.status == "published" and result.published:
        return RedirectResponse(f"/{lang}/records/{result.published.uid}", status_code=303)
    return RedirectResponse(f"/{lang}/my?requested={quote(identifier)}", status_code=303)


@router.get("/{lang:lang}/drafts/{identifier}")
@web_page
def draft_preview(request: Request, lang: str, identifier: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    draft = svc.drafts.get(principal, identifier)
    rt = svc.registry.record_type(draft.schema, draft.realm)
    d = Displayer(
        svc.thesaurus, documents_by_identifiers(svc, referenced_identifiers(rt, draft.document))
    )
    check = svc.drafts.check(draft.document)
    return page(
        request,
        lang,
        "preview.html",
        draft=draft,
        type_title=i18n.text(rt.title),
        fields=d.rows(rt, draft.document),
        errors=_translated(p.as_dict() for p in check.errors),
        warnings=_translated(p.as_dict() for p in check.warnings),
        csrf=csrf_token(request),
        principal=principal,
    )


@router.post("/{lang:lang}/drafts/{identifier}/publish")
@web_page
async def draft_publish(request: Request, lang: str, identifier: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    await form_data(request)
    draft = svc.drafts.get(principal, identifier)
    rt = svc.registry.record_type(draft.schema, draft.realm)
    return await _publish(request, lang, identifier, draft.document, rt, draft.etag)


@router.post("/{lang:lang}/drafts/{identifier}/discard")
@web_page
async def draft_discard(request: Request, lang: str, identifier: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    await form_data(request)
    svc.drafts.discard(principal, identifier)
    return RedirectResponse(f"/{lang}/my", status_code=303)


@router.get("/{lang:lang}/my")
@web_page
def my_page(request: Request, lang: str, requested: str | None = None) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    drafts = svc.drafts.list(principal)
    titles = {}
    for d in drafts:
        rt = svc.registry.record_type(d.schema, d.realm)
        from bch.services.documents import display_title

        titles[d.identifier] = i18n.text(display_title(rt, d.document)) or d.identifier
    mine = [r for r in svc.workflow.list_requests(principal) if r["requestedBy"] == principal.email]
    return page(
        request,
        lang,
        "my.html",
        drafts=drafts,
        titles=titles,
        requests=mine,
        requested=requested,
        states=request_states(),
        types=_type_titles(svc),
        csrf=csrf_token(request),
        principal=principal,
    )


def _type_titles(svc) -> dict[str, str]:
    from bch.web.labels import type_titles

    return type_titles(svc.registry)


@router.get("/{lang:lang}/queue")
@web_page
def queue_page(request: Request, lang: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    pending = [
        r
        for r in svc.workflow.list_requests(principal, state="pending")
        if r["requestedBy"] != principal.email or principal.has_role("secretariat")
    ]
    return page(
        request,
        lang,
        "queue.html",
        requests=pending,
        types=_type_titles(svc),
        csrf=csrf_token(request),
        principal=principal,
    )


@router.post("/{lang:lang}/queue/{request_id}")
@web_page
async def queue_decide(request: Request, lang: str, request_id: RequestId) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    data = await form_data(request)
    decision = (data.get("decision") or [""])[0]
    note = (data.get("reason") or [""])[0]
    if decision == "approve":
        svc.workflow.approve(principal, request_id, comment=note or None)
    elif decision == "reject":
        svc.workflow.reject(principal, request_id, reason=note)
    else:
        raise ServiceError(_("Choose approve or reject."))
    return RedirectResponse(f"/{lang}/queue?done={request_id}", status_code=303)


def request_summary(r: dict[str, Any]) -> str:
    return i18n.text(r.get("title")) or r["identifier"]
