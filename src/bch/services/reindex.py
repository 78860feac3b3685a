"""Rebuild the search index (facet rows, per-language texts) of every live record from its
latest revision: for databases published before the index existed, or after changing how
facets are derived. Idempotent; one transaction per batch."""

from __future__ import annotations

from bch.records.realms import UnknownSchema
from bch.services import facets, linked_index
from bch.services.container import Services
from bch.storage.maintenance import MaintenanceRepository

BATCH = 500


def reindex(svc: Services) -> int:
    """Returns the number of records indexed."""
    maintenance = MaintenanceRepository()
    with svc.store.reading() as conn:
        ids = maintenance.live_ids(conn)
    done = 0
    for i in range(0, len(ids), BATCH):
        with svc.store.writing() as conn:
            docs = maintenance.live_documents(conn, ids[i : i + BATCH])  # not deleted meanwhile
            bodies = svc.store.latest_bodies(conn, [d.id for d in docs])
            lookup = svc.records.organism_types(conn)
            linked_lookup = svc.records.linked_lookup(conn)
            for doc in docs:
                body = bodies.get(doc.id)
                if body is None:
                    continue
                try:
                    rt = svc.registry.record_type(doc.schema, doc.realm)
                except UnknownSchema:
                    continue
                linked = linked_index.borrowed(rt, body, svc.thesaurus, linked_lookup)
                maintenance.replace_search_rows(
                    conn,
                    doc.id,
                    facets.facet_values(
                        rt, body, svc.thesaurus, doc.owner, doc.title, lookup, linked
                    ),
                    facets.language_texts(rt, body, svc.thesaurus, doc.title, linked),
                    doc.title,
                )
                done += 1
    if svc.search.index is not None:
        svc.search.index.invalidate()  # this process; other processes rebuild on restart
    return done
