"""Online forums (issue 14): /api/v1/forums."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from bch.api.bodies import read_body
from bch.api.deps import Svc, json_body
from bch.api.drafts import write_limit
from bch.api.identity import Caller, SignedIn, client_ip
from bch.api.links import answer, forum_links, post_links, thread_links
from bch.api.params import PageSize, PostId, ThreadId
from bch.api.participation_bodies import json_object, moderation
from bch.api.responses import errors, raw_body
from bch.api.responses import json_body as body_doc

router = APIRouter(prefix="/api/v1/forums", tags=["forums"])
LANG_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
MAX_MAIL = 1024 * 1024

_FORUM = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title"],
    "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
        "owner": {"type": "string", "description": "SCBD or a country code"},
        "title": LANG_MAP,
        "description": LANG_MAP,
        "participation": {"type": "string", "enum": ["open", "invited"]},
        "premoderation": {"type": "boolean"},
        "opensAt": {"type": "string"},
        "closesAt": {"type": "string"},
        "groups": {"type": "array", "items": LANG_MAP},
    },
}
_THREAD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["title", "text", "language"],
    "properties": {
        "title": {"type": "string"},
        "text": {"type": "string"},
        "language": {"type": "string", "enum": ["ar", "en", "es", "fr", "ru", "zh"]},
        "group": {"type": "integer"},
    },
}
_POST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["text", "language"],
    "properties": {
        "text": {"type": "string"},
        "language": {"type": "string", "enum": ["ar", "en", "es", "fr", "ru", "zh"]},
        "parent": {"type": "integer", "description": "the post replied to"},
        "synthesis": {"type": "boolean", "description": "the moderator's synthesis"},
    },
}
_MEMBER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["email", "role"],
    "properties": {
        "email": {"type": "string"},
        "role": {"type": "string", "enum": ["invited", "moderator", "banned", "none"]},
        "reason": {"type": "string"},
    },
}
_MODERATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action"],
    "properties": {
        "action": {"type": "string", "enum": ["publish", "hide", "restore"]},
        "reason": {"type": "string"},
    },
}


@router.get("", summary="Forums, newest first (closed ones stay readable: the archive)")
def list_forums(svc: Svc, principal: Caller) -> dict[str, Any]:
    return {"items": svc.forums.forums(principal)}


@router.post(
    "",
    status_code=201,
    summary="Create a forum (the Secretariat, or a country's focal point)",
    responses=answer(201, "The forum", forum_links()) | errors(401, 403, 409, 413),
    openapi_extra=body_doc(_FORUM),
)
async def create_forum(request: Request, principal: SignedIn, svc: Svc) -> dict[str, Any]:
    write_limit(svc, principal)
    return svc.forums.create(principal, await json_body(request))


@router.post(
    "/mail/inbound",
    summary="A reply by e-mail (RFC 822 message) to a thread's signed reply-to address",
    responses=errors(400, 403, 404, 409, 413),
    openapi_extra=raw_body(
        "application/octet-stream",
        schema={"type": "string", "format": "binary", "description": "an RFC 822 message"},
    ),
)
async def inbound_mail(request: Request, svc: Svc) -> dict[str, Any]:
    return svc.forums.ingest_mail(await read_body(request, MAX_MAIL))


@router.get(
    "/threads/{thread_id}",
    summary="A thread and a page of its posts as a tree (`next`: the next page's cursor)",
    responses=errors(400, 404),
)
def get_thread(
    thread_id: ThreadId,
    svc: Svc,
    principal: Caller,
    cursor: str | None = None,
    limit: PageSize = 100,
) -> dict[str, Any]:
    return svc.forums.thread(thread_id, principal, cursor, limit)


@router.post(
    "/threads/{thread_id}/posts",
    status_code=201,
    summary="Reply in a thread (threaded: `parent`); a moderator may post the synthesis",
    responses=answer(201, "The post", post_links()) | errors(401, 403, 404, 409, 429),
    openapi_extra=body_doc(_POST),
)
async def reply(
    thread_id: ThreadId, request: Request, principal: SignedIn, svc: Svc
) -> dict[str, Any]:
    return svc.forums.reply(
        principal, thread_id, await json_object(request), client=client_ip(request)
    )


@router.put(
    "/threads/{thread_id}/subscription",
    summary="Follow a thread by mail",
    responses=errors(401, 404),
)
def subscribe(thread_id: ThreadId, principal: SignedIn, svc: Svc) -> dict[str, Any]:
    return svc.forums.subscribe(principal, thread_id, True)


@router.delete(
    "/threads/{thread_id}/subscription",
    summary="Stop following a thread",
    responses=errors(401, 404),
)
def unsubscribe(thread_id: ThreadId, principal: SignedIn, svc: Svc) -> dict[str, Any]:
    return svc.forums.subscribe(principal, thread_id, False)


@router.post(
    "/threads/{thread_id}/unsubscribe",
    summary="One-click unsubscribe (RFC 8058: the List-Unsubscribe URL of every thread mail)",
    responses=errors(404, 413),
)
async def unsubscribe_by_link(thread_id: ThreadId, token: str, request: Request, svc: Svc):
    await read_body(request, 4096)  # List-Unsubscribe=One-Click (or nothing): the URL suffices
    return svc.forums.unsubscribe_by_link(thread_id, token)


@router.post(
    "/posts/{post_id}/moderation",
    summary="Publish (pre-moderated), hide (with a reason) or restore a post; audited",
    responses=errors(401, 403, 404, 409),
    openapi_extra=body_doc(_MODERATE),
)
async def moderate(post_id: PostId, request: Request, principal: SignedIn, svc: Svc):
    return svc.forums.moderate(principal, post_id, *await moderation(request))


@router.get("/{forum_id}", summary="A forum: groups and threads", responses=errors(404))
def get_forum(forum_id: str, svc: Svc, principal: Caller) -> dict[str, Any]:
    return svc.forums.forum(forum_id, principal)


@router.post(
    "/{forum_id}/threads",
    status_code=201,
    summary="Start a thread (signed in; invited forums: participants only)",
    responses=answer(201, "The thread", thread_links()) | errors(401, 403, 404, 409, 429),
    openapi_extra=body_doc(_THREAD),
)
async def start_thread(
    forum_id: str, request: Request, principal: SignedIn, svc: Svc
) -> dict[str, Any]:
    return svc.forums.start_thread(
        principal, forum_id, await json_object(request), client=client_ip(request)
    )


@router.post(
    "/{forum_id}/members",
    summary="Invite, make moderator, ban (with a reason) or reinstate a participant",
    responses=errors(401, 403, 404),
    openapi_extra=body_doc(_MEMBER),
)
async def set_member(forum_id: str, request: Request, principal: SignedIn, svc: Svc):
    body = await json_object(request, allowed={"email", "role", "reason"})
    return svc.forums.set_member(
        principal, forum_id, body.get("email"), body.get("role"), body.get("reason")
    )


@router.post(
    "/{forum_id}/close",
    summary="Close the forum now (it stays readable as an archive)",
    responses=errors(401, 403, 404),
)
def close_forum(forum_id: str, principal: SignedIn, svc: Svc) -> dict[str, Any]:
    return svc.forums.archive(principal, forum_id)
