"""Rebuild the search index (facet rows, per-language texts) of every live record from its
latest revision: for databases published before the index existed, or after changing how
facets are derived. Idempotent; one transaction per batch.

A reindex appends no change (the records did not change): each batch moves the `search_rows`
data mark in its transaction, so the processes serving the database follow at their next read
(issue 15 item 1): their search index is rebuilt, their v2013 positions walked again and their
read and page caches forget what they kept (storage/change_mark.py)."""

from __future__ import annotations

from bch.records.realms import UnknownSchema
from bch.services import facets, linked_index
from bch.services.container import Services
from bch.storage.change_mark import SEARCH_ROWS, bump
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
            bump(conn, SEARCH_ROWS)  # every process serving the database follows
    if svc.search.index is not None:
        svc.search.index.invalidate()  # and its saved snapshot goes
    return done
