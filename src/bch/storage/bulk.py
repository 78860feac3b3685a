"""Bulk loading for benchmarks and large imports: many new records in one transaction, with the
same derived rows a publish writes (revision, change-sequence entry, facet rows, per-language
search texts, the legacy full-text row). Validation is the caller's business: the rows must come
from already validated documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from bch.storage.tables import (
    changes,
    documents,
    record_facets,
    revisions,
    search_documents,
    search_texts,
)


@dataclass
class BulkRecord:
    identifier: str
    realm: str
    schema: str
    short_code: str
    owner: str
    title: dict[str, str]
    body: dict[str, Any]
    hash: str
    by: str
    search_text: str
    facets: list[tuple[str, str]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)


def bulk_publish(conn: Connection, records: Sequence[BulkRecord], at: datetime) -> int:
    """Insert new records (revision 1 each) with all derived rows; returns the last sequence."""
    next_id = conn.execute(select(func.coalesce(func.max(documents.c.id), 0))).scalar_one() + 1
    next_seq = conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one() + 1
    docs, revs, seqs, facets, texts, legacy = [], [], [], [], [], []
    for i, r in enumerate(records):
        doc_id, seq = next_id + i, next_seq + i
        docs.append(
            {
                "id": doc_id,
                "identifier": r.identifier,
                "realm": r.realm,
                "schema": r.schema,
                "short_code": r.short_code,
                "owner": r.owner,
                "latest_revision": 1,
                "title": r.title,
                "created_at": at,
                "updated_at": at,
            }
        )
        revs.append(
            {
                "document_id": doc_id,
                "revision": 1,
                "body": r.body,
                "hash": r.hash,
                "created_at": at,
                "created_by": r.by,
                "warnings": [],
            }
        )
        seqs.append(
            {"seq": seq, "document_id": doc_id, "revision": 1, "action": "publish", "at": at}
        )
        facets.extend({"document_id": doc_id, "field": f, "value": v} for f, v in r.facets)
        texts.extend(
            {"document_id": doc_id, "lang": lang, "content": c} for lang, c in r.texts.items()
        )
        legacy.append({"document_id": doc_id, "content": r.search_text})
    for table, rows in (
        (documents, docs),
        (revisions, revs),
        (changes, seqs),
        (record_facets, facets),
        (search_texts, texts),
        (search_documents, legacy),
    ):
        if rows:
            conn.execute(insert(table), rows)
    return next_seq + len(records) - 1
