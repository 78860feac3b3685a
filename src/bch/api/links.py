"""OpenAPI links between the operations of the write flows: what a client (or a stateful fuzzer,
tests/api/test_openapi_stateful.py) may do next with the answer it got, wherever an id flows
from one answer into the next request.

* drafts: a saved draft can be read, replaced (If-Match: its ETag), validated, published or
  discarded; a published draft is a record to read; a publishing request is a request to read,
  approve or reject;
* forums: a created forum can be read and get threads; a thread can be read, replied to,
  followed and unfollowed, its first post moderated; a reply can be moderated;
* consultations: an opened consultation can be read, its form token fetched, commented on,
  its comments listed, closed; a comment can be moderated;
* attachments: an uploaded file can be downloaded and deleted.

Alert subscriptions have none: their token travels by mail only (a link from the answer would
give it to whoever posted the address)."""

from __future__ import annotations

from typing import Any

DRAFT = "/api/v1/drafts/{identifier}"


def _ref(path: str, method: str) -> str:
    """A JSON pointer to an operation of this document (RFC 6901: "~1" is "/")."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _on_draft(method: str, path: str = DRAFT, **parameters: str) -> dict[str, Any]:
    return {
        "operationRef": _ref(path, method),
        "parameters": {"identifier": "$request.path.identifier", **parameters},
    }


def draft_links() -> dict[str, Any]:
    """From an answer about the draft at `identifier` (saved, read)."""
    return {
        "GetDraft": _on_draft("get"),
        "ReplaceDraft": _on_draft("put", **{"header.If-Match": "$response.header.ETag"}),
        "ValidateDraft": _on_draft("post", f"{DRAFT}/validate"),
        "PublishDraft": _on_draft("post", f"{DRAFT}/publish"),
        "DiscardDraft": _on_draft("delete"),
    }


def published_links() -> dict[str, Any]:
    """From a draft published as a record."""
    return {
        "GetRecord": {
            "operationRef": _ref("/api/v1/records/{record_id}", "get"),
            "parameters": {"record_id": "$response.body#/id"},
        }
    }


def answer(status: int, description: str, links: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """A `responses=` entry: the success answer of an operation with its links."""
    return {status: {"description": description, "links": links}}


def _to(path: str, method: str, **parameters: str) -> dict[str, Any]:
    return {"operationRef": _ref(path, method), "parameters": parameters}


REQUEST = "/api/v1/requests/{request_id}"


def _request_links(source: str) -> dict[str, Any]:
    return {
        "GetRequest": _to(REQUEST, "get", request_id=source),
        "ApproveRequest": _to(f"{REQUEST}/approve", "post", request_id=source),
        "RejectRequest": _to(f"{REQUEST}/reject", "post", request_id=source),
    }


def requested_links() -> dict[str, Any]:
    """From a publishing request opened for a draft (or a deletion request)."""
    return _request_links("$response.body#/requestId")


def request_links() -> dict[str, Any]:
    """From a request read: decide it."""
    return {
        name: link
        for name, link in _request_links("$request.path.request_id").items()
        if name != "GetRequest"
    }


FORUM = "/api/v1/forums/{forum_id}"
THREAD = "/api/v1/forums/threads/{thread_id}"
MODERATE_POST = "/api/v1/forums/posts/{post_id}/moderation"


def forum_links() -> dict[str, Any]:
    """From a forum created (its id in `id`)."""
    return {
        "GetForum": _to(FORUM, "get", forum_id="$response.body#/id"),
        "StartThread": _to(f"{FORUM}/threads", "post", forum_id="$response.body#/id"),
    }


def thread_links() -> dict[str, Any]:
    """From a thread started (its id in `id`, its first post in `posts`)."""
    thread = "$response.body#/id"
    return {
        "GetThread": _to(THREAD, "get", thread_id=thread),
        "Reply": _to(f"{THREAD}/posts", "post", thread_id=thread),
        "FollowThread": _to(f"{THREAD}/subscription", "put", thread_id=thread),
        "UnfollowThread": _to(f"{THREAD}/subscription", "delete", thread_id=thread),
        "ModerateFirstPost": _to(MODERATE_POST, "post", post_id="$response.body#/posts/0/id"),
    }


def post_links() -> dict[str, Any]:
    """From a reply posted (its id in `id`)."""
    return {
        "ModeratePost": _to(MODERATE_POST, "post", post_id="$response.body#/id"),
        "GetThread": _to(THREAD, "get", thread_id="$request.path.thread_id"),
    }


CONSULTATION = "/api/v1/consultations/{consultation_id}"


def consultation_links() -> dict[str, Any]:
    """From a consultation opened (its id in `id`)."""
    ident = "$response.body#/id"
    return {
        "GetConsultation": _to(CONSULTATION, "get", consultation_id=ident),
        "GetCommentForm": _to(f"{CONSULTATION}/form", "get", consultation_id=ident),
        "Comment": _to(f"{CONSULTATION}/comments", "post", consultation_id=ident),
        "ListComments": _to(f"{CONSULTATION}/comments", "get", consultation_id=ident),
        "CloseConsultation": _to(f"{CONSULTATION}/close", "post", consultation_id=ident),
    }


def comment_links() -> dict[str, Any]:
    """From a comment sent (its id in `id`)."""
    return {
        "ModerateComment": _to(
            f"{CONSULTATION}/comments/{{comment_id}}/moderation",
            "post",
            consultation_id="$request.path.consultation_id",
            comment_id="$response.body#/id",
        ),
        "ListComments": _to(
            f"{CONSULTATION}/comments", "get", consultation_id="$request.path.consultation_id"
        ),
    }


ATTACHMENT = "/api/v1/attachments/{attachment_id}"


def attachment_links() -> dict[str, Any]:
    """From a file uploaded (its id in `id`)."""
    return {
        "GetAttachment": _to(ATTACHMENT, "get", attachment_id="$response.body#/id"),
        "DeleteAttachment": _to(ATTACHMENT, "delete", attachment_id="$response.body#/id"),
    }
