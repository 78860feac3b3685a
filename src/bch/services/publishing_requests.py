"""Publishing and deletion requests as the API shows them, and as events (RequestEvent)."""

from __future__ import annotations

from typing import Any

from bch.services.events import RequestEvent
from bch.storage.drafts import Draft, RequestRow
from bch.storage.rows import iso_utc


def request_event(action: str, row: RequestRow, by: str, note: str | None) -> RequestEvent:
    return RequestEvent(
        action, row.id, row.kind, row.identifier, row.realm, row.schema, row.owner, by, note
    )


def request_json(
    row: RequestRow, draft: Draft | None, title: dict[str, str] | None
) -> dict[str, Any]:
    """`draft`: the draft a pending publish request would publish (None otherwise); `title`:
    its display title, or the published record's."""
    return {
        "id": row.id,
        "kind": row.kind,
        "identifier": row.identifier,
        "realm": row.realm,
        "schema": row.schema,
        "country": None if row.owner == "SCBD" else row.owner,
        "title": title,
        "message": row.message,
        "state": row.state,
        "requestedBy": row.requested_by_email,
        "requestedAt": iso_utc(row.requested_at),
        "deadline": iso_utc(row.deadline),
        "remindersSent": row.reminders_sent,
        "decidedBy": row.decided_by,
        "decidedAt": iso_utc(row.decided_at),
        "reason": row.reason,
        "result": row.result,
        "draft": f"/api/v1/drafts/{row.identifier}" if draft is not None else None,
        "draftRevision": draft.revision if draft is not None else None,
    }
