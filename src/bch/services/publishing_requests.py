"""Publishing and deletion requests as the API shows them, and as events (RequestEvent)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bch.services.events import RequestEvent
from bch.storage.drafts import Draft, RequestRow
from bch.storage.rows import iso_utc


def request_event(action: str, row: RequestRow, by: str, note: str | None) -> RequestEvent:
    return RequestEvent(
        action, row.id, row.kind, row.identifier, row.realm, row.schema, row.owner, by, note
    )


def request_change(row: RequestRow, record_created_at: datetime | None) -> str:
    """What the request is about: `deletion`, `revision` (a new revision of a record that was
    published before the request was made) or `publication` (a new record).
    `record_created_at`: when the record's revision 1 was published (None: never)."""
    if row.kind == "delete":
        return "deletion"
    revision = (row.result or "").rsplit("-", 1)[-1]
    if row.state == "approved" and revision.isdigit():  # the revision the approval published
        return "publication" if revision == "1" else "revision"
    if record_created_at is not None and record_created_at < row.requested_at:
        return "revision"
    return "publication"


def request_json(
    row: RequestRow, draft: Draft | None, title: dict[str, str] | None, change: str
) -> dict[str, Any]:
    """`draft`: the draft a pending publish request would publish (None otherwise); `title`:
    its display title, or the published record's; `change`: request_change()."""
    return {
        "id": row.id,
        "kind": row.kind,
        "change": change,
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
