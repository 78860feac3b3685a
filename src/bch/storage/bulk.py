"""Bulk loading for benchmarks and large imports: many new records (the same NewRevision a
publish takes) in one transaction, with the same derived rows a publish writes (revision,
change-sequence entry, links, LMO UID keys, facet rows, per-language search texts, the
search index entries), inserted in batches instead of one record at a time. Validation is the caller's business: the rows must come
from already validated documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select

from bch.storage.rows import NewRevision
from bch.storage.search_index import tokens_row
from bch.storage.tables import (
    changes,
    documents,
    lmo_uids,
    record_facets,
    record_links,
    revisions,
    search_texts,
    search_tokens,
)


def bulk_publish(
    conn: Connection,
    records: Sequence[NewRevision],
    at: datetime,
    keys: Sequence[tuple[int, int]] | None = None,
) -> int:
    """Insert new records (revision 1 each) with all derived rows; returns the last sequence.
    `conn` must be a Database.writing() transaction (its lock keeps the sequence gap-free).
    `keys`: (documentID, revision) of each record instead (a national node's copies of the
    central's records keep its numbers)."""
    next_id = conn.execute(select(func.coalesce(func.max(documents.c.id), 0))).scalar_one() + 1
    next_seq = conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one() + 1
    order = (
        *(documents, revisions, changes, record_links, lmo_uids),
        *(record_facets, search_texts, search_tokens),
    )
    rows: dict[Table, list[dict[str, Any]]] = {t: [] for t in order}
    for i, r in enumerate(records):
        doc_id, seq = next_id + i, next_seq + i
        number = 1
        if keys is not None:
            doc_id, number = keys[i]
        rows[documents].append(
            {
                "id": doc_id,
                "identifier": r.identifier,
                "realm": r.realm,
                "schema": r.schema,
                "short_code": r.short_code,
                "owner": r.owner,
                "latest_revision": number,
                "title": r.title,
                "created_at": at,
                "updated_at": at,
            }
        )
        rows[revisions].append(
            {
                "document_id": doc_id,
                "revision": number,
                "body": r.body,
                "hash": r.hash,
                "created_at": at,
                "created_by": r.by,
                "warnings": r.warnings,
            }
        )
        rows[changes].append(
            {"seq": seq, "document_id": doc_id, "revision": number, "action": "publish", "at": at}
        )
        rows[record_links].extend(
            {"source_id": doc_id, "field": f, "target_identifier": t, "target_revision": rev}
            for (f, t), rev in {(f, t): rev for f, t, rev in r.links}.items()
        )
        rows[lmo_uids].extend(
            {"uid_key": k, "document_id": doc_id, "kind": kind}
            for k, kind in dict(r.lmo_keys).items()
        )
        rows[record_facets].extend(
            {"document_id": doc_id, "field": f, "value": v} for f, v in dict.fromkeys(r.facets)
        )
        rows[search_texts].extend(
            {"document_id": doc_id, "lang": lang, "content": c} for lang, c in r.texts.items()
        )
        rows[search_tokens].append(tokens_row(doc_id, r.texts, r.title))
    for table, values in rows.items():  # documents first: the others refer to them
        if values:
            conn.execute(insert(table), values)
    return next_seq + len(records) - 1
