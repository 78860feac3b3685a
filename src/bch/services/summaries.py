"""How a record is summed up in lists, links and feeds, and how a deleted one is announced:
shared by the services and every surface (no service state, nothing to import upward)."""

from __future__ import annotations

from typing import Any

from bch.records.identifiers import REFERENCE_OWNER
from bch.storage.rows import DocumentRow, iso_utc


def record_summary(doc: DocumentRow) -> dict[str, Any]:
    return {
        "id": f"{doc.uid_base}-{doc.latest_revision}",
        "identifier": doc.identifier,
        "realm": doc.realm,
        "schema": doc.schema,
        "country": None if doc.owner == REFERENCE_OWNER else doc.owner,
        "revision": doc.latest_revision,
        "title": doc.title,
        "updatedAt": iso_utc(doc.updated_at),
        "url": f"/api/v1/records/{doc.uid_base}-{doc.latest_revision}",
    }


def tombstone(doc: DocumentRow) -> dict[str, Any]:
    return {
        "id": f"{doc.uid_base}-{doc.latest_revision}",
        "identifier": doc.identifier,
        "schema": doc.schema,
        "realm": doc.realm,
        "deletedAt": iso_utc(doc.deleted_at),
        "reason": doc.delete_reason,
    }
