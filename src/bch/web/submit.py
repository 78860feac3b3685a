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
from bch.api.params import RequestId, query_number
from bch.config import MAX_DOCUMENT_BYTES
from bch.records.identifiers import parse_record_uid
from bch.records.realms import UnknownSchema
from bch.services.errors import BadRequest, NotFound, PreconditionFailed, ServiceError, Unauthorized
from bch.services.numbers import MAX_ID
from bch.services.permissions import Outcome
from bch.web import forms, i18n
from bch.web.common import documents_by_identifiers, principal_of, services, web_page
from bch.web.display import Displayer, diff, referenced_identifiers
from bch.web.i18n import _
from bch.web.labels import problem_text, request_states
from bch.web.render import page

router = APIRouter(include_in_schema=False)
RequestIdQuery = query_number(1, MAX_ID)  # ?done= of the queue


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


def _problem_rows(problems: list[dict], labels: dict[str, str]) -> list[dict[str, str]]:
    """One line per problem: the field's label (never its id) and anchor, and the message."""
    rows = []
    for p in problems:
        top = str(p.get("path") or "").split("[")[0].split(".")[0]
        rows.append(
            {
                "anchor": f"f-{top}" if top in labels else "problems",
                "label": labels.get(top) or (_("Record") if not top else _("Another field")),
                "message": str(p.get("message") or ""),
            }
        )
    return rows


def form_page(
    request,
    lang,
    rt,
    doc,
    *,
    etag="",
    errors=None,
    warnings=None,
    saved=False,
    status=200,
    conflict=None,
    unsaved=False,
):
    svc = services(request)
    principal = principal_of(request)
    errors = _translated(errors)
    warnings = _translated(warnings)
    problems = forms.field_errors(errors)
    items = forms.widgets(svc, rt, doc, problems)
    labels = {w.name: w.label for w in items}
    identifier = doc["header"]["identifier"]
    gov = doc.get("government")
    owner = gov.get("identifier") if isinstance(gov, dict) else None
    publishes = svc.workflow.publish_outcome(
        principal, rt.name, rt.realm, owner if rt.is_national else "SCBD", identifier
    )
    return page(
        request,
        lang,
        "form.html",
        status=status,
        rt=rt,
        type_title=i18n.text(rt.title),
        identifier=identifier,
        etag=etag,
        languages=doc["header"].get("languages") or [lang if lang != "ar" else "ar"],
        widgets=items,
        errors=_problem_rows(errors, labels),
        warnings=_problem_rows(warnings or [], labels),
        saved=saved,
        unsaved=unsaved,
        editing=svc.records.documents({identifier}).get(identifier),
        publishes_directly=publishes is Outcome.ALLOW,
        conflict=conflict,
        csrf=csrf_token(request),
        principal=principal,
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
    return form_page(request, lang, rt, doc, etag=etag)


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
    if action == "request":  # nothing is saved when it cannot be published: say what is missing
        check = svc.drafts.check(doc)
        if not check.ok:
            return form_page(
                request, lang, rt, doc, etag=etag or "", status=422, unsaved=True,
                errors=[p.as_dict() for p in check.errors],
                warnings=[p.as_dict() for p in check.warnings],
            )  # fmt: skip
    try:
        saved, _created = svc.drafts.save(principal, identifier, doc, if_match=etag)
    except PreconditionFailed as exc:  # changed meanwhile: show what changed, keep the edits
        conflict = concurrent_change(svc, lang, rt, identifier, etag, exc)
        return form_page(
            request, lang, rt, doc, etag=conflict["etag"], status=412, conflict=conflict
        )
    except ServiceError as exc:
        problems = exc.errors or [{"path": "", "message": exc.message}]
        return form_page(
            request, lang, rt, doc, etag=etag or "", errors=problems, status=exc.status
        )
    if action == "save":
        result = svc.drafts.check(doc)
        return form_page(
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


def concurrent_change(svc, lang, rt, identifier, etag, exc) -> dict[str, Any]:
    """What another person changed since the form was opened: the published revisions between
    the one the form started from and the current one (field by field), or the draft's new
    revision. The form's ETag becomes the current one: saving again is a choice made seeing it."""
    current = str(exc.extra.get("etag") or "")
    out: dict[str, Any] = {"etag": current, "changes": [], "uid": None}
    base = parse_record_uid(etag or "")
    now = parse_record_uid(current)
    if base is not None and now is not None:
        old = svc.records.get(identifier, base.revision, with_links=False)
        new = svc.records.get(identifier, now.revision, with_links=False)
        idents = referenced_identifiers(rt, old.document) | referenced_identifiers(rt, new.document)
        d = Displayer(svc.thesaurus, documents_by_identifiers(svc, idents))
        out.update(
            uid=new.uid,
            base=base.revision,
            current=now.revision,
            changes=diff(d, rt, old.document, new.document),
            diff_href=f"/{lang}/records/{new.doc.uid_base}/diff?from={base.revision}"
            f"&to={now.revision}",
        )
    return out


async def _publish(request, lang, identifier, doc, rt, etag: str) -> Response:
    svc, principal = services(request), principal_of(request)
    try:
        result = svc.workflow.publish_draft(principal, identifier)
    except ServiceError as exc:
        problems = exc.errors or [{"path": "", "message": exc.message}]
        if isinstance(exc, PreconditionFailed):  # the record moved on since the draft began
            problems = [{"path": "", "message": _(
                "The record was changed meanwhile: nothing was published. Your draft is kept; "
                "open the current record, apply your changes again and publish."
            )}]  # fmt: skip
        return form_page(request, lang, rt, doc, etag=etag, errors=problems, status=exc.status)
    if result.status == "published" and result.published:
        return RedirectResponse(
            f"/{lang}/records/{result.published.uid}?published=1", status_code=303
        )
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
        publishes_directly=svc.workflow.publish_outcome(
            principal, draft.schema, draft.realm, draft.owner, identifier
        )
        is Outcome.ALLOW,
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
def my_page(
    request: Request,
    lang: str,
    requested: str | None = None,
    kind: str | None = None,
    state: str | None = None,
) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    kinds, states = request_kinds(), request_states()
    for name, value, allowed in (("kind", kind, kinds), ("state", state, states)):
        if value and value not in allowed:
            raise BadRequest(
                _("%(name)s: expected one of %(values)s", name=name, values=", ".join(allowed))
            )
    drafts = svc.drafts.list(principal)
    titles = {}
    for d in drafts:
        rt = svc.registry.record_type(d.schema, d.realm)
        from bch.services.documents import display_title

        titles[d.identifier] = i18n.text(display_title(rt, d.document)) or d.identifier
    mine = [
        r
        for r in svc.workflow.list_requests(principal, state=state or None)
        if r["requestedBy"] == principal.email and (not kind or r["change"] == kind)
    ]
    return page(
        request,
        lang,
        "my.html",
        drafts=drafts,
        titles=titles,
        requests=mine,
        requested=requested,
        states=states,
        kinds=kinds,
        chosen={"kind": kind or "", "state": state or ""},
        types=_type_titles(svc),
        csrf=csrf_token(request),
        principal=principal,
    )


def _type_titles(svc) -> dict[str, str]:
    from bch.web.labels import type_titles

    return type_titles(svc.registry)


def _queue_items(svc, lang: str, principal, pending: list[dict[str, Any]]) -> list[dict]:
    """Each pending request with its kind and what it changes, field by field with labels."""
    items = []
    for r in pending:
        change = svc.workflow.change_of(principal, r["id"])
        rt = svc.registry.record_type(r["schema"], r["realm"])
        before, after = change.before or {}, change.after
        idents = referenced_identifiers(rt, before) | (
            referenced_identifiers(rt, after) if after else set()
        )
        d = Displayer(svc.thesaurus, documents_by_identifiers(svc, idents))
        changes = diff(d, rt, before, after) if after is not None else []
        items.append({**r, "change": change, "changes": changes})
    return items


def _queue(request, lang, *, error=None, status=200, done=None) -> Response:
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
        status=status,
        requests=_queue_items(svc, lang, principal, pending),
        kinds=request_kinds(),
        error=error,
        done=done,
        types=_type_titles(svc),
        csrf=csrf_token(request),
        principal=principal,
    )


def request_kinds() -> dict[str, str]:
    return {
        "publication": _("Publication of a new record"),
        "revision": _("New revision of a published record"),
        "deletion": _("Deletion of a published record"),
    }


@router.get("/{lang:lang}/queue")
@web_page
def queue_page(request: Request, lang: str, done: RequestIdQuery | None = None) -> Response:
    decided = None
    if done is not None:
        decided = _decided(services(request), lang, signed_in(request, lang), done)
    return _queue(request, lang, done=decided)


@router.post("/{lang:lang}/queue/{request_id}")
@web_page
async def queue_decide(request: Request, lang: str, request_id: RequestId) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    data = await form_data(request)
    decision = (data.get("decision") or [""])[0]
    note = (data.get("reason") or [""])[0].strip()
    if decision not in ("approve", "reject"):
        return _queue(
            request, lang, status=400,
            error={"id": request_id, "message": _("Choose approve or reject.")},
        )  # fmt: skip
    if decision == "reject" and not note:
        return _queue(
            request, lang, status=400,
            error={"id": request_id, "message": _("A rejection needs a reason: write it in the field, then reject.")},
        )  # fmt: skip
    if decision == "reject":
        svc.workflow.reject(principal, request_id, reason=note)
    else:
        svc.workflow.approve(principal, request_id, comment=note or None)
    return RedirectResponse(f"/{lang}/queue?done={request_id}", status_code=303)


def _decided(svc, lang: str, principal, request_id: int) -> dict[str, Any] | None:
    """The confirmation of a decision just taken, with a link to its result."""
    try:
        r = svc.workflow.get_request(principal, request_id)
    except NotFound:
        return None
    title = request_summary(r)
    if r["state"] == "rejected":
        return {
            "heading": _("The request was rejected"),
            "message": _("%(title)s: the requester is told your reason by mail.", title=title),
            "link": None,
        }
    if r["state"] != "approved":
        return None
    if r["kind"] == "delete":
        return {
            "heading": _("The request was approved"),
            "message": _("%(title)s was deleted. Its tombstone keeps the reason.", title=title),
            "link": {
                "href": f"/{lang}/records/{quote(r['identifier'], safe='')}",
                "label": _("See the tombstone"),
            },
        }
    return {
        "heading": _("The request was approved"),
        "message": _("%(title)s was published as %(uid)s.", title=title, uid=r["result"]),
        "link": {
            "href": f"/{lang}/records/{r['result']}?published=1",
            "label": _("See the published record"),
        },
    }


def request_summary(r: dict[str, Any]) -> str:
    return i18n.text(r.get("title")) or r["identifier"]
