"""Full-text search, one small class per dialect: FTS5 on SQLite, tsvector on PostgreSQL.

Both index the same table (search_documents.content); only the match expression differs."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Engine, literal_column, select, text
from sqlalchemy.sql import Select

from bch.storage.tables import search_documents

_WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    return _WORD.findall(query.lower())


class TextSearch:
    """Turns a user's query into a sub-select of matching document ids (all words must match)."""

    def matching_ids(self, query: str) -> Select | None:
        raise NotImplementedError


class SqliteTextSearch(TextSearch):
    def matching_ids(self, query: str) -> Select | None:
        terms = words(query)
        if not terms:
            return None
        # each word quoted (no FTS5 syntax from users) and prefix-matched
        expr = " ".join(f'"{w}"*' for w in terms)
        return (
            select(literal_column("rowid"))
            .select_from(text("search_fts"))
            .where(text("search_fts MATCH :fts_query").bindparams(fts_query=expr))
        )


class PostgresTextSearch(TextSearch):
    def matching_ids(self, query: str) -> Select | None:
        terms = words(query)
        if not terms:
            return None
        expr = " & ".join(f"{w}:*" for w in terms)
        cond: ColumnElement[bool] = text("tsv @@ to_tsquery('simple', :ts_query)").bindparams(
            ts_query=expr
        )
        return select(search_documents.c.document_id).where(cond)


def text_search_for(engine: Engine) -> TextSearch:
    return PostgresTextSearch() if engine.dialect.name == "postgresql" else SqliteTextSearch()
