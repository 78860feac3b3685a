"""OpenAPI links between the operations of the draft workflow: what a client (or a stateful
fuzzer, tests/api/test_openapi_stateful.py) may do next with the answer it got. A saved draft
can be read, replaced (If-Match: its ETag), validated, published or discarded; a published
draft is a record to read; a publishing request is a request to read."""

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


def requested_links() -> dict[str, Any]:
    """From a publishing request opened for a draft."""
    return {
        "GetRequest": {
            "operationRef": _ref("/api/v1/requests/{request_id}", "get"),
            "parameters": {"request_id": "$response.body#/requestId"},
        }
    }
