"""Editing and deleting a published record from its page: "Edit" opens the record form on the
published revision (its ETag goes with the form, so a change made meanwhile is shown, never
overwritten; services/drafts.py), "Delete" asks for a reason and deletes (a tombstone) or
requests the deletion, as the permission table says (services/permissions.py)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bch.services.errors import BadRequest, Forbidden, NotFound
from bch.services.permissions import Outcome
from bch.web import i18n
from bch.web.common import services, web_page
from bch.web.i18n import _
from bch.web.render import page
from bch.web.submit import csrf_token, form_data, form_page, signed_in

router = APIRouter(include_in_schema=False)


@router.get("/{lang:lang}/records/{ref}/edit")
@web_page
def edit_record(request: Request, lang: str, ref: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    view = svc.records.get(ref, principal=principal, with_links=False)
    identifier, schema = view.doc.identifier, view.doc.schema
    try:  # a draft of it is on its way already: go on with that one
        svc.drafts.get(principal, identifier)
        return RedirectResponse(
            f"/{lang}/submit/{schema}?draft={quote(identifier, safe='')}", status_code=303
        )
    except NotFound:
        pass
    if svc.workflow.actions_on(principal, view.doc).edit is Outcome.DENY:
        raise _refused("edit")
    rt = svc.registry.record_type(schema, view.doc.realm)
    # the form starts from the latest revision; its ETag is that revision
    return form_page(request, lang, rt, view.document, etag=view.uid)


def _refused(action: str) -> Forbidden:
    """403 with a message saying who may (shown on the error page)."""
    if action == "edit":
        said = _(
            "Your account may not edit this record. A national record is edited by its "
            "country's focal point and authorized users; a reference record is changed through "
            "the Secretariat."
        )
    else:
        said = _(
            "Your account may not delete this record. A national record is deleted by its "
            "country's focal point, or at the request of its authorized users; a reference "
            "record through the Secretariat."
        )
    return Forbidden(f"you may not {action} this record", page=said)


def _delete_page(request, lang, svc, principal, view, *, error=None, reason="", status=200):
    actions = svc.workflow.actions_on(principal, view.doc)
    if actions.delete is Outcome.DENY:
        raise _refused("delete")
    return page(
        request,
        lang,
        "delete.html",
        status=status,
        title=i18n.text(view.doc.title) or view.doc.uid_base,
        uid=view.uid,
        uid_base=view.doc.uid_base,
        directly=actions.delete is Outcome.ALLOW,
        pending=actions.pending,
        error=error,
        reason=reason,
        csrf=csrf_token(request),
        principal=principal,
    )


@router.get("/{lang:lang}/records/{ref}/delete")
@web_page
def delete_form(request: Request, lang: str, ref: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    view = svc.records.get(ref, principal=principal, with_links=False)
    return _delete_page(request, lang, svc, principal, view)


@router.post("/{lang:lang}/records/{ref}/delete")
@web_page
async def delete_record(request: Request, lang: str, ref: str) -> Response:
    svc = services(request)
    principal = signed_in(request, lang)
    data = await form_data(request)
    reason = (data.get("reason") or [""])[0].strip()
    view = svc.records.get(ref, principal=principal, with_links=False)
    if svc.workflow.actions_on(principal, view.doc).delete is Outcome.DENY:
        raise _refused("delete")
    if not reason:
        return _delete_page(
            request, lang, svc, principal, view, status=400,
            error=_("Give the reason for the deletion: it stays with the record's tombstone."),
        )  # fmt: skip
    try:
        result = svc.workflow.delete_record(principal, view.doc.identifier, reason=reason)
    except BadRequest as exc:
        return _delete_page(
            request, lang, svc, principal, view, status=400, error=exc.message, reason=reason
        )
    title = i18n.text(view.doc.title) or view.doc.uid_base
    if result.status == "deleted":
        return page(
            request,
            lang,
            "notice.html",
            heading=_("The record was deleted"),
            message=_(
                "%(title)s is no longer published. Its revisions and the reason stay in its "
                "history.",
                title=title,
            ),
            link={"href": f"/{lang}/records/{view.doc.uid_base}", "label": _("See the tombstone")},
        )
    return page(
        request,
        lang,
        "notice.html",
        status=202,
        heading=_("Deletion was requested"),
        message=_(
            "The focal point or the Secretariat will approve or reject the deletion of "
            "%(title)s. Until then the record stays published.",
            title=title,
        ),
        link={"href": f"/{lang}/my", "label": _("My drafts and requests")},
    )
