"""Public participation pages (issue 14): consultations (`/{lang}/consultations`) with their
comment form, moderation, closing and response; forums (`/{lang}/forums`) with threads, threaded
replies, moderation and subscriptions. Every public form carries the spam defences of
bch.services.forms (a hidden honeypot field and a signed timestamp)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bch.api.identity import check_csrf, client_ip
from bch.services.container import Services
from bch.services.errors import BadRequest
from bch.services.forms import HONEYPOT
from bch.services.policy import Principal
from bch.services.richtext import markup
from bch.web.common import principal_of, services, web_page
from bch.web.i18n import _
from bch.web.render import page
from bch.web.submit import csrf_token, form_data, signed_in

router = APIRouter(include_in_schema=False)
MAX_FORM = 25 * 1024 * 1024
PAGE = 200  # comments on a consultation's page; the next ones by the "more" link
POSTS_PAGE = 100  # posts on a thread's page; the next ones by the "more" link


def _first(data: dict[str, list[str]], name: str) -> str:
    return (data.get(name) or [""])[0].strip()


async def _multipart(request: Request) -> tuple[dict[str, list[str]], tuple[str, bytes] | None]:
    """A form that may carry a file (multipart/form-data), CSRF checked; else form_data."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return await form_data(request), None
    form = await request.form(max_files=1, max_fields=50, max_part_size=MAX_FORM)
    data: dict[str, list[str]] = {}
    upload = None
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, []).append(value)
        elif value.filename:
            upload = (value.filename, await value.read())
    check_csrf(request, _first(data, "csrf") or None)
    return data, upload


def _proof(data: dict[str, list[str]]) -> tuple[str, str]:
    return _first(data, "formToken"), _first(data, HONEYPOT)


def _number(text: str) -> int:
    """A form's id field: a number, else 0 (which names nothing: the service says 404)."""
    return int(text) if text.isdigit() and len(text) < 18 else 0


Act = Callable[[Services, Principal, dict[str, list[str]]], str]


async def _signed_form(request: Request, lang: str, act: Act) -> Response:
    """The shape of every signed-in form here: the form (CSRF checked), the signed-in person,
    one service call (`act`, which returns the page to go to, without /{lang}), a 303 there."""
    data = await form_data(request)
    principal = signed_in(request, lang)
    return RedirectResponse(f"/{lang}{act(services(request), principal, data)}", status_code=303)


def _rich(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        html = markup(item["body"]) if item.get("body") else None
        out.append(item | {"html": html, "replies": _rich(item.get("replies", []))})
    return out


# -- consultations -----------------------------------------------------------------------------
@router.get("/{lang:lang}/consultations")
@web_page
def consultations_page(request: Request, lang: str) -> Response:
    svc, principal = services(request), principal_of(request)
    return page(
        request,
        lang,
        "consultations.html",
        items=svc.consultations.list(principal),
        principal=principal,
    )


@router.get("/{lang:lang}/consultations/new")
@web_page
def new_consultation(request: Request, lang: str) -> Response:
    signed_in(request, lang)
    return page(request, lang, "consultation_new.html", csrf=csrf_token(request), uses=_uses())


def _uses() -> dict[str, str]:
    return {
        "food": _("Food"),
        "feed": _("Feed"),
        "processing": _("Processing"),
        "cultivation": _("Cultivation"),
        "field_trial": _("Field trial"),
        "contained_use": _("Contained use"),
        "import": _("Import"),
    }


@router.post("/{lang:lang}/consultations/new")
@web_page
async def create_consultation(request: Request, lang: str) -> Response:
    data, upload = await _multipart(request)
    principal = signed_in(request, lang)
    svc = services(request)
    documents = []
    if upload is not None and upload[1]:
        att = svc.attachments.save(principal, upload[0], upload[1])
        documents.append(
            {
                "attachment": att.id,
                "name": _first(data, "document_name") or att.name,
                "confidential": _first(data, "confidential") == "on",
            }
        )
    body = {
        "country": _first(data, "country"),
        "title": {lang: _first(data, "title")},
        "languages": [lang],
        "closesAt": _first(data, "closesAt"),
        "moderation": _first(data, "moderation") or "before",
        "documents": documents,
    }
    for field, key in (("summary", "summary"),):
        if _first(data, key):
            body[field] = {lang: _first(data, key)}
    for field in ("lmo", "intendedUse", "opensAt"):
        if _first(data, field):
            body[field] = _first(data, field)
    created = svc.consultations.create(principal, body)
    return RedirectResponse(f"/{lang}/consultations/{created['id']}", status_code=303)


def _consultation(request: Request, lang: str, ident: str, **extra: Any) -> Response:
    svc, principal = services(request), principal_of(request)
    c = svc.consultations.get(ident, principal)
    comments, more = svc.consultations.comments_page(
        ident, principal, request.query_params.get("cursor"), PAGE
    )
    return page(
        request,
        lang,
        "consultation.html",
        c=c,
        summary=markup(c["summary"].get(lang) or next(iter(c["summary"].values()), "")),
        response=markup(
            (c["response"] or {}).get(lang) or next(iter((c["response"] or {}).values()), "")
        ),
        comments=_rich(comments),
        more=more,
        csrf=csrf_token(request),
        form_token=svc.form_guard.stamp(f"consultation:{ident}"),
        honeypot=HONEYPOT,
        principal=principal,
        done=request.query_params.get("done"),
        **extra,
    )


@router.get("/{lang:lang}/consultations/confirm/{token}")
@web_page
def confirm_comment_page(request: Request, lang: str, token: str) -> Response:
    """The link of the mail: a page whose button confirms the comment (a mail scanner that
    opens the link confirms nothing)."""
    return page(
        request,
        lang,
        "notice.html",
        heading=_("Confirm your comment"),
        message=_("Press the button to send your comment to the consultation."),
        button={
            "action": f"/{lang}/consultations/confirm/{token}",
            "label": _("Confirm"),
            "fields": {"csrf": csrf_token(request)},
        },
    )


@router.post("/{lang:lang}/consultations/confirm/{token}")
@web_page
async def confirm_comment(request: Request, lang: str, token: str) -> Response:
    await form_data(request)
    confirmed = services(request).consultations.confirm(token)
    return page(request, lang, "consultation_confirmed.html", k=confirmed, token=token)


@router.get("/{lang:lang}/consultations/{ident}")
@web_page
def consultation_page(request: Request, lang: str, ident: str) -> Response:
    return _consultation(request, lang, ident)


@router.post("/{lang:lang}/consultations/{ident}/comment")
@web_page
async def post_comment(request: Request, lang: str, ident: str) -> Response:
    data, upload = await _multipart(request)
    svc, principal = services(request), principal_of(request)
    body = {
        "text": _first(data, "text"),
        "language": _first(data, "language") or lang,
        "consent": _first(data, "consent") == "on",
    }
    if principal.is_anonymous:
        body |= {"name": _first(data, "name"), "email": _first(data, "email")}
    try:
        out = svc.consultations.comment(
            principal,
            ident,
            body,
            client=client_ip(request),
            attachment=upload,
            proof=_proof(data),
            lang=lang,
        )
    except BadRequest as exc:
        return _consultation(request, lang, ident, error=exc, status=400)
    return RedirectResponse(
        f"/{lang}/consultations/{ident}?done={out['status']}#comment-form", status_code=303
    )


@router.post("/{lang:lang}/consultations/{ident}/moderate")
@web_page
async def moderate_comment(request: Request, lang: str, ident: str) -> Response:
    def act(svc: Services, principal: Principal, data: dict[str, list[str]]) -> str:
        comment, (action, reason) = _number(_first(data, "comment")), _moderation(data)
        svc.consultations.moderate(principal, ident, comment, action, reason)
        return f"/consultations/{ident}#moderation"

    return await _signed_form(request, lang, act)


def _moderation(data: dict[str, list[str]]) -> tuple[str, str | None]:
    """A moderation form's (action, reason)."""
    return _first(data, "action"), _first(data, "reason") or None


@router.post("/{lang:lang}/consultations/{ident}/close")
@web_page
async def close_consultation(request: Request, lang: str, ident: str) -> Response:
    def act(svc: Services, principal: Principal, _data: dict[str, list[str]]) -> str:
        svc.consultations.close(principal, ident)
        return f"/consultations/{ident}"

    return await _signed_form(request, lang, act)


@router.post("/{lang:lang}/consultations/{ident}/response")
@web_page
async def respond(request: Request, lang: str, ident: str) -> Response:
    def act(svc: Services, principal: Principal, data: dict[str, list[str]]) -> str:
        body: dict[str, Any] = {"response": {lang: _first(data, "response")}}
        if _first(data, "decision"):
            body["decision"] = _first(data, "decision")
        svc.consultations.respond(principal, ident, body)
        return f"/consultations/{ident}#response"

    return await _signed_form(request, lang, act)


# -- forums ------------------------------------------------------------------------------------
@router.get("/{lang:lang}/forums")
@web_page
def forums_page(request: Request, lang: str) -> Response:
    svc, principal = services(request), principal_of(request)
    return page(
        request,
        lang,
        "forums.html",
        items=svc.forums.forums(principal),
        csrf=csrf_token(request),
        may_create=svc.forums.may_create(principal),
        principal=principal,
    )


@router.post("/{lang:lang}/forums/new")
@web_page
async def create_forum(request: Request, lang: str) -> Response:
    return await _signed_form(
        request, lang, lambda svc, who, data: _new_forum(svc, who, data, lang)
    )


def _new_forum(svc: Services, principal: Principal, data: dict[str, list[str]], lang: str) -> str:
    groups = [{lang: g.strip()} for g in _first(data, "groups").splitlines() if g.strip()]
    body: dict[str, Any] = {
        "owner": _first(data, "owner") or "SCBD",
        "title": {lang: _first(data, "title")},
        "participation": _first(data, "participation") or "open",
        "premoderation": _first(data, "premoderation") == "on",
        "groups": groups,
    }
    if _first(data, "description"):
        body["description"] = {lang: _first(data, "description")}
    for field in ("opensAt", "closesAt"):
        if _first(data, field):
            body[field] = _first(data, field)
    return f"/forums/{svc.forums.create(principal, body)['id']}"


@router.post("/{lang:lang}/forums/{forum_id}/members")
@web_page
async def set_member(request: Request, lang: str, forum_id: str) -> Response:
    def act(svc: Services, principal: Principal, data: dict[str, list[str]]) -> str:
        email, role, reason = _first(data, "email"), _first(data, "role"), _first(data, "reason")
        svc.forums.set_member(principal, forum_id, email, role, reason or None)
        return f"/forums/{forum_id}?member=1#participants"

    return await _signed_form(request, lang, act)


@router.get("/{lang:lang}/forums/threads/{thread_id}")
@web_page
def thread_page(request: Request, lang: str, thread_id: int) -> Response:
    svc, principal = services(request), principal_of(request)
    t = svc.forums.thread(thread_id, principal, request.query_params.get("cursor"), POSTS_PAGE)
    return page(
        request,
        lang,
        "forum_thread.html",
        t=t,
        posts=_rich(t["posts"]),
        open_=t["forum"]["state"] == "open",
        signed=not principal.is_anonymous,
        csrf=csrf_token(request),
        form_token=svc.form_guard.stamp(f"thread:{thread_id}"),
        honeypot=HONEYPOT,
        principal=principal,
    )


def _post_body(
    data: dict[str, list[str]], lang: str, texts: tuple[str, ...], number: str
) -> dict[str, Any]:
    """A forum post's body from its form: the `texts`, the language (the page's by default)
    and the optional id field `number` (the parent post, the group)."""
    body: dict[str, Any] = {name: _first(data, name) for name in texts}
    body["language"] = _first(data, "language") or lang
    if _number(_first(data, number)):
        body[number] = _number(_first(data, number))
    return body


def _from_web(request: Request, data: dict[str, list[str]]) -> dict[str, Any]:
    """Where a web post comes from: the client address and the form's spam-defence proof."""
    return {"client": client_ip(request), "proof": _proof(data), "via": "web"}


@router.get("/{lang:lang}/forums/threads/{thread_id}/unsubscribe")
@web_page
def unsubscribe_by_link(request: Request, lang: str, thread_id: int, token: str = "") -> Response:
    """The link of every thread mail: one click stops the mails of the thread."""
    services(request).forums.unsubscribe_by_link(thread_id, token)
    return page(
        request,
        lang,
        "notice.html",
        heading=_("Unsubscribed"),
        message=_("You will receive no more mails about this thread."),
        link={"href": f"/{lang}/forums/threads/{thread_id}", "label": _("Back to the thread")},
    )


@router.post("/{lang:lang}/forums/threads/{thread_id}/reply")
@web_page
async def post_reply(request: Request, lang: str, thread_id: int) -> Response:
    def act(svc: Services, principal: Principal, data: dict[str, list[str]]) -> str:
        body = _post_body(data, lang, ("text",), "parent")
        body["synthesis"] = _first(data, "synthesis") == "on"
        post = svc.forums.reply(principal, thread_id, body, **_from_web(request, data))
        return f"/forums/threads/{thread_id}#post-{post['id']}"

    return await _signed_form(request, lang, act)


@router.post("/{lang:lang}/forums/threads/{thread_id}/subscription")
@web_page
async def subscription(request: Request, lang: str, thread_id: int) -> Response:
    def act(svc: Services, principal: Principal, data: dict[str, list[str]]) -> str:
        svc.forums.subscribe(principal, thread_id, _first(data, "on") == "1")
        return f"/forums/threads/{thread_id}"

    return await _signed_form(request, lang, act)


@router.post("/{lang:lang}/forums/posts/{post_id}/moderate")
@web_page
async def moderate_post(request: Request, lang: str, post_id: int) -> Response:
    def act(svc: Services, principal: Principal, data: dict[str, list[str]]) -> str:
        svc.forums.moderate(principal, post_id, *_moderation(data))
        return f"/forums/threads/{_number(_first(data, 'thread'))}#post-{post_id}"

    return await _signed_form(request, lang, act)


@router.get("/{lang:lang}/forums/{forum_id}")
@web_page
def forum_page(request: Request, lang: str, forum_id: str) -> Response:
    svc, principal = services(request), principal_of(request)
    return page(
        request,
        lang,
        "forum.html",
        f=svc.forums.forum(forum_id, principal),
        csrf=csrf_token(request),
        form_token=svc.form_guard.stamp(f"forum:{forum_id}"),
        honeypot=HONEYPOT,
        principal=principal,
    )


@router.post("/{lang:lang}/forums/{forum_id}/threads")
@web_page
async def post_thread(request: Request, lang: str, forum_id: str) -> Response:
    def act(svc: Services, principal: Principal, data: dict[str, list[str]]) -> str:
        body = _post_body(data, lang, ("title", "text"), "group")
        t = svc.forums.start_thread(principal, forum_id, body, **_from_web(request, data))
        return f"/forums/threads/{t['id']}"

    return await _signed_form(request, lang, act)


@router.post("/{lang:lang}/forums/{forum_id}/close")
@web_page
async def close_forum(request: Request, lang: str, forum_id: str) -> Response:
    def act(svc: Services, principal: Principal, _data: dict[str, list[str]]) -> str:
        svc.forums.archive(principal, forum_id)
        return f"/forums/{forum_id}"

    return await _signed_form(request, lang, act)


# -- a person's own data -----------------------------------------------------------------------
@router.get("/{lang:lang}/account/participation")
@web_page
def my_data_page(request: Request, lang: str) -> Response:
    principal = signed_in(request, lang)
    data = services(request).personal_data.export(principal)
    return page(
        request,
        lang,
        "participation_data.html",
        data=data,
        csrf=csrf_token(request),
        deleted=request.query_params.get("deleted"),
    )


@router.post("/{lang:lang}/account/participation/delete")
@web_page
async def delete_my_data(request: Request, lang: str) -> Response:
    def act(svc: Services, principal: Principal, _data: dict[str, list[str]]) -> str:
        out = svc.personal_data.delete(principal)
        return f"/account/participation?deleted={out['comments'] + out['forumPosts']}"

    return await _signed_form(request, lang, act)
