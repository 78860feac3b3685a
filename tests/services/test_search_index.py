"""The search index is rebuilt identically by `bch db reindex`, and the bulk path used by the
benchmark writes every row a publish writes (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from bch.services.reindex import reindex
from bch.services.search import SearchQuery
from bch.storage.bulk import bulk_publish
from bch.storage.rows import NewRevision
from bch.storage.tables import changes, record_facets, search_texts, search_tokens
from tests import factories


def _facet_rows(svc) -> list[tuple]:
    with svc.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(record_facets)))


def test_reindex_rebuilds_what_publish_wrote(services):
    services.records.publish_many(
        [factories.organism("Zea mays"), factories.organism("Glycine max")], by="t"
    )
    before = _facet_rows(services)
    with services.engine.begin() as conn:
        conn.execute(delete(record_facets))
        conn.execute(delete(search_texts))
        conn.execute(delete(search_tokens))
    assert services.search.search(SearchQuery(q="glycine")).items == []
    assert reindex(services) == 2
    assert _facet_rows(services) == before
    assert len(services.search.search(SearchQuery(q="glycine")).items) == 1


def test_bulk_publish_fills_revisions_changes_facets_and_text(services):
    records = [
        NewRevision(
            identifier=f"synthetic-{i:08d}",
            realm="BCH",
            schema="organism",
            short_code="ORGA",
            owner="SCBD",
            title={"en": "[synthetic] Zea mays"},
            body=factories.organism("Zea mays", identifier=f"synthetic-{i:08d}"),
            hash=str(i),
            by="bench:synthetic",
            warnings=[],
            links=[],
            lmo_keys=[],
            facets=[("realm", "BCH"), ("schema", "organism"), ("country", "SCBD")],
            texts={"en": "Zea mays synthetic"},
        )
        for i in range(30)
    ]
    with services.store.writing() as conn:
        last = bulk_publish(conn, records, datetime.now(UTC))
    assert last == 30 == services.changes.last_sequence()
    with services.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(changes)).scalar_one() == 30
    found = services.search.search(SearchQuery(q="synthetic", facets=["schema"], limit=5))
    assert len(found.items) == 5 and found.facets["schema"] == [("organism", 30)]
    dump = services.exports.open("organism.ndjson")
    assert dump.records == 30 and len(b"".join(dump.chunks).splitlines()) == 31
