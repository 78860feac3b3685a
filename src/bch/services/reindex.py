"""Rebuild the search index (facet rows, per-language texts) of every live record from its
latest revision: for databases published before the index existed, or after changing how
facets are derived. Idempotent; one transaction per batch."""

from __future__ import annotations

from sqlalchemy import select

from bch.records.realms import UnknownSchema
from bch.services import facets
from bch.services.container import Services
from bch.storage.search_index import replace_index
from bch.storage.tables import documents

BATCH = 500


def reindex(svc: Services) -> int:
    """Returns the number of records indexed."""
    with svc.store.reading() as conn:
        ids = list(
            conn.execute(
                select(documents.c.id)
                .where(documents.c.deleted_at.is_(None))
                .order_by(documents.c.id)
            ).scalars()
        )
    done = 0
    for i in range(0, len(ids), BATCH):
        with svc.store.writing() as conn:
            chunk = ids[i : i + BATCH]
            bodies = svc.store.latest_bodies(conn, chunk)
            lookup = svc.records._organism_types(conn)
            for doc_id in chunk:
                doc = svc.store.document_by_id(conn, doc_id)
                body = bodies.get(doc_id)
                if doc is None or body is None or doc.deleted_at is not None:
                    continue
                try:
                    rt = svc.registry.record_type(doc.schema, doc.realm)
                except UnknownSchema:
                    continue
                replace_index(
                    conn,
                    doc_id,
                    facets.facet_values(rt, body, svc.thesaurus, doc.owner, doc.title, lookup),
                    facets.language_texts(rt, body, svc.thesaurus, doc.title),
                )
                done += 1
    if svc.search.index is not None:
        svc.search.index.invalidate()  # this process; other processes rebuild on restart
    return done
