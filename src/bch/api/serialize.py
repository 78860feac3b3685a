"""JSON shapes of the v1 API, built from service views."""

from __future__ import annotations

from typing import Any

from bch.records.identifiers import REFERENCE_OWNER
from bch.services.policy import public_actor
from bch.services.records import RecordView
from bch.services.summaries import record_summary
from bch.storage.rows import DocumentRow, RevisionRow, iso_utc


def record_json(view: RecordView) -> dict[str, Any]:
    doc, rev = view.doc, view.revision
    return {
        "id": view.uid,
        "identifier": doc.identifier,
        "realm": doc.realm,
        "schema": doc.schema,
        "shortCode": doc.short_code,
        "country": None if doc.owner == REFERENCE_OWNER else doc.owner,
        "revision": rev.revision,
        "latestRevision": doc.latest_revision,
        "title": doc.title,
        "createdAt": iso_utc(doc.created_at),
        "updatedAt": iso_utc(doc.updated_at),
        "publishedAt": iso_utc(rev.created_at),
        "publishedBy": public_actor(rev.created_by),  # as /info says (a node copies it)
        "warnings": rev.warnings,
        "url": f"/api/v1/records/{view.uid}",
        "document": view.document,
        "referencedBy": [
            {"field": field, **record_summary(src)} for field, src in view.referenced_by
        ],
    }


def version_json(doc: DocumentRow, rev: RevisionRow) -> dict[str, Any]:
    uid = f"{doc.uid_base}-{rev.revision}"
    return {
        "id": uid,
        "revision": rev.revision,
        "publishedAt": iso_utc(rev.created_at),
        "hash": rev.hash,
        "url": f"/api/v1/records/{doc.uid_base}/versions/{rev.revision}",
    }
