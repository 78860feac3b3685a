"""Migration 0007_search_engines upgrades a database made before it: the index entries of its
live records are computed from their texts and titles, and the SQL engine finds them by the
same words as the bitmap index (stems of every stemmed language, folded diacritics). Both
backends."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bch.storage import migrate
from bch.storage.database import Database
from bch.storage.engine import make_engine
from bch.storage.search.contract import SearchRequest
from bch.storage.search.sql import SqlSearch
from bch.storage.search_index import tokens_row
from tests.postgres import throwaway_database

TITLE = {"en": "Herbicide-tolerant maize", "fr": "Maïs tolérant aux herbicides"}
TEXTS = {
    "en": "Herbicide-tolerant maize\nNK603",
    "fr": "Maïs tolérant aux herbicides\nNK603\nCanadiens",
}


def _upgrade_with_records(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, "0006_search_contract")
        with engine.begin() as conn:
            for doc_id, deleted in ((1, None), (2, "2020-01-01 00:00:00")):
                conn.execute(
                    text(
                        "INSERT INTO documents (id, identifier, realm, schema, short_code, owner, "
                        "latest_revision, title, created_at, updated_at, deleted_at) VALUES "
                        "(:id, :ident, 'BCH', 'modifiedOrganism', 'LMO', 'SCBD', 1, :title, "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :deleted)"
                    ),
                    {
                        "id": doc_id,
                        "ident": f"doc-{doc_id}",
                        "title": '{"en": "Herbicide-tolerant maize", '
                        '"fr": "Ma\\u00efs tol\\u00e9rant aux herbicides"}',
                        "deleted": deleted,
                    },
                )
                for lang, content in TEXTS.items():
                    conn.execute(
                        text(
                            "INSERT INTO search_texts (document_id, lang, content) "
                            "VALUES (:id, :lang, :content)"
                        ),
                        {"id": doc_id, "lang": lang, "content": content},
                    )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT document_id, words, title FROM search_tokens")).all()
        assert [tuple(r) for r in rows] == [tuple(tokens_row(1, TEXTS, TITLE).values())]
        sql = SqlSearch(Database(engine))
        for q in ("maize herbicides", "mais", "canad", "toleran", "nk60"):
            assert sql.hit_ids(SearchRequest(q=q)) == [1], q
        assert sql.hit_ids(SearchRequest(q="soybean")) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_existing_database_gains_the_index_entries(backend, tmp_path, request):
    if backend == "sqlite":
        _upgrade_with_records(f"sqlite:///{tmp_path / 'old.db'}")
        return
    request.applymarker(pytest.mark.postgres)
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) without a server
    with throwaway_database("search_tokens") as url:
        _upgrade_with_records(url)
