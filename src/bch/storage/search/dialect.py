"""What differs between SQLite and PostgreSQL in a search, one small class per database (as
bch.storage.dialects): the full-text match over `search_texts`, the time budget of a count,
and the whole-second date keys and code-point string order of the v2013 index.

PostgreSQL: search_texts.tsv is generated with the row language's text search configuration
(arabic, english, spanish, french, russian; 'simple' for Chinese, indexed as bigrams).
SQLite: FTS5 tables search_fts_en (Porter stemming) and search_fts_intl (Unicode, diacritics
folded) over search_texts; Chinese is indexed as bigrams in both. Both take the words of
bch.storage.text_tokens.query_terms, each as a prefix."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Integer, Text, cast, func, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.selectable import Subquery

from bch.storage.text_tokens import query_terms

PG_CONFIGS = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french", "ru": "russian"}


class BudgetExceeded(Exception):
    """A time-boxed query (count, facet) ran out of time."""


class SearchDialect:
    name = "sql"

    def text_match(self, query: str) -> Subquery | None:
        """Sub-select (document_id) of records whose text in some language contains every word
        of `query` (as a prefix); None when the query has no words."""
        terms = query_terms(query)
        return self._match(terms) if terms else None

    def _match(self, terms: list[list[str]]) -> Subquery:
        raise NotImplementedError

    @contextmanager
    def time_budget(self, conn: Connection, seconds: float) -> Iterator[None]:
        """Run the enclosed queries with a time limit; raises BudgetExceeded when it is hit and
        leaves the connection usable."""
        raise NotImplementedError
        yield

    def second_key(self, column: Any) -> Any:
        """A timestamp column in whole seconds, comparable with `second_bound`."""
        raise NotImplementedError

    def second_bound(self, moment: datetime) -> Any:
        return moment

    def code_point(self, column: Any) -> Any:
        """A text column ordered by code point (as Python compares strings)."""
        return column


class SqliteSearchDialect(SearchDialect):
    name = "sqlite"

    def _match(self, terms: list[list[str]]) -> Subquery:
        parts = []
        for t in terms:
            parts.append('"' + " ".join(t) + '"' if len(t) > 1 else f'"{t[0]}"*')
        sql = text(
            "SELECT DISTINCT document_id FROM search_texts WHERE id IN ("
            " SELECT rowid FROM search_fts_en WHERE search_fts_en MATCH :fts_q"
            " UNION ALL SELECT rowid FROM search_fts_intl WHERE search_fts_intl MATCH :fts_q)"
        ).bindparams(fts_q=" ".join(parts))
        return sql.columns(document_id=Integer).subquery("m")

    @contextmanager
    def time_budget(self, conn: Connection, seconds: float) -> Iterator[None]:
        raw = conn.connection.driver_connection
        deadline = time.monotonic() + seconds
        raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 2000)
        try:
            yield
        except DBAPIError as exc:
            if "interrupted" in str(exc):
                raise BudgetExceeded from None
            raise
        finally:
            raw.set_progress_handler(None, 0)

    def second_key(self, column: Any) -> Any:
        return func.substr(cast(column, Text), 1, 19)  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'

    def second_bound(self, moment: datetime) -> Any:
        # keys are 'YYYY-MM-DD HH:MM:SS' strings: a bound with a fraction of a second sorts
        # after the whole second it starts with, as the datetime does
        stamp = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return f"{stamp}.{moment.microsecond:06d}" if moment.microsecond else stamp


class PostgresSearchDialect(SearchDialect):
    name = "postgresql"

    def _match(self, terms: list[list[str]]) -> Subquery:
        parts = ["(" + " <-> ".join(t) + ")" if len(t) > 1 else f"{t[0]}:*" for t in terms]
        ors = " OR ".join(
            f"(lang = '{lang}' AND tsv @@ to_tsquery('{cfg}', :ts_q))"
            for lang, cfg in PG_CONFIGS.items()
        )
        langs = ", ".join(f"'{lang}'" for lang in PG_CONFIGS)
        where = f"{ors} OR (lang NOT IN ({langs}) AND tsv @@ to_tsquery('simple', :ts_q))"
        sql = text(f"SELECT DISTINCT document_id FROM search_texts WHERE {where}").bindparams(
            ts_q=" & ".join(parts)
        )
        return sql.columns(document_id=Integer).subquery("m")

    @contextmanager
    def time_budget(self, conn: Connection, seconds: float) -> Iterator[None]:
        nested = conn.begin_nested()
        try:
            conn.execute(text(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}"))
            yield
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            nested.commit()
        except DBAPIError as exc:
            nested.rollback()
            if "statement timeout" in str(exc) or "canceling statement" in str(exc):
                raise BudgetExceeded from None
            raise

    def second_key(self, column: Any) -> Any:
        return func.date_trunc("second", column)

    def code_point(self, column: Any) -> Any:
        return column.collate("C")


def search_dialect(name: str) -> SearchDialect:
    return PostgresSearchDialect() if name == "postgresql" else SqliteSearchDialect()
