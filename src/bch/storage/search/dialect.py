"""What differs between SQLite and PostgreSQL in a search, one small class per database (as
bch.storage.dialects): the match of query words against the index entries of `search_tokens`
(bch.storage.text_tokens: the same entries the bitmap index holds, so both engines find the same
records), the time budget of a count, and the whole-second date keys and code-point string
order of the v2013 index.

SQLite: the FTS5 table search_tokens_fts (columns words, title; the `ascii` tokenizer keeps each
entry whole). PostgreSQL: search_tokens.words_tsv and title_tsv (array_to_tsvector of the
entries), matched by a tsquery of quoted lexemes (no parser, no stemming). A query word matches
an entry it is a prefix of (one of its `prefixes`), or all of its `exact` entries (CJK bigrams),
exactly as bch.storage.text_tokens.word_in."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Text,
    and_,
    cast,
    func,
    literal_column,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.selectable import Subquery

from bch.storage.text_tokens import QueryWord, query_words

COLUMNS = ("words", "title")
LAST_CODE_POINT = "\U0010ffff"  # sorts after every character a word holds
_PARAMS = itertools.count()  # what a word is matched in: all texts, or the display title


class BudgetExceeded(Exception):
    """A time-boxed query (count, facet) ran out of time."""


class SearchDialect:
    name = "sql"

    def text_match(self, query: str) -> Subquery | None:
        """Sub-select (document_id) of records whose texts match every word of `query`; None
        when the query has no words."""
        words = query_words(query)
        return self.match(words, "words") if words else None

    def match(self, words: list[QueryWord], column: str) -> Subquery:
        """Sub-select (document_id) of records whose entries in `column` (words, title) match
        every one of `words`."""
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

    def second_order(self, column: Any) -> Any:
        """`second_key` as the v2013 order: the expression of the documents' order index
        (migration 0008_harvester), written with literal constants so the database sees it is
        the indexed one."""
        return self.second_key(column)

    def code_point(self, column: Any) -> Any:
        """A text column ordered by code point (as Python compares strings)."""
        return column

    def prefix_range(self, column: Any, prefix: str) -> ColumnElement[bool]:
        """The values of a text column that start with `prefix`, as a range of its index (in
        code point order: every such value sorts from the prefix to the prefix followed by
        the last code point)."""
        ordered = self.code_point(column)
        return and_(ordered >= prefix, ordered < prefix + LAST_CODE_POINT)


class SqliteSearchDialect(SearchDialect):
    name = "sqlite"

    def match(self, words: list[QueryWord], column: str) -> Subquery:
        assert column in COLUMNS
        parts = []
        for w in words:
            alternatives = [f"{_fts(p)}*" for p in w.prefixes] or [_fts(e) for e in w.exact]
            joiner = " OR " if w.prefixes else " AND "
            parts.append("{" + column + "} : (" + joiner.join(alternatives) + ")")
        name = _param()
        sql = text(
            f"SELECT rowid AS document_id FROM search_tokens_fts WHERE search_tokens_fts MATCH :{name}"
        ).bindparams(**{name: " AND ".join(parts)})
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
        # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'; constants inline: the index's expression
        return func.substr(cast(column, Text), literal_column("1"), literal_column("19"))

    def second_bound(self, moment: datetime) -> Any:
        # keys are 'YYYY-MM-DD HH:MM:SS' strings: a bound with a fraction of a second sorts
        # after the whole second it starts with, as the datetime does
        stamp = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return f"{stamp}.{moment.microsecond:06d}" if moment.microsecond else stamp


class PostgresSearchDialect(SearchDialect):
    name = "postgresql"

    def match(self, words: list[QueryWord], column: str) -> Subquery:
        assert column in COLUMNS
        parts = []
        for w in words:
            alternatives = [f"{_lexeme(p)}:*" for p in w.prefixes] or [_lexeme(e) for e in w.exact]
            parts.append("(" + (" | " if w.prefixes else " & ").join(alternatives) + ")")
        name = _param()
        sql = text(
            f"SELECT document_id FROM search_tokens WHERE {column}_tsv @@ CAST(:{name} AS tsquery)"
        ).bindparams(**{name: " & ".join(parts)})
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

    def second_order(self, column: Any) -> Any:
        # the same order as second_key; in UTC without a zone, the expression is immutable
        # (indexable): date_trunc of a timestamptz depends on the session's time zone
        utc = func.timezone(literal_column("'UTC'"), column)
        return func.date_trunc(literal_column("'second'"), utc)

    def code_point(self, column: Any) -> Any:
        return column.collate("C")


def _param() -> str:
    """A bind parameter name of its own (a statement may hold several matches)."""
    return f"match_{next(_PARAMS)}"


def _fts(entry: str) -> str:
    """An entry as an FTS5 string."""
    return '"' + entry.replace('"', '""') + '"'


def _lexeme(entry: str) -> str:
    """An entry as a quoted tsquery lexeme."""
    return "'" + entry.replace("\\", "\\\\").replace("'", "''") + "'"


def search_dialect(name: str) -> SearchDialect:
    return PostgresSearchDialect() if name == "postgresql" else SqliteSearchDialect()
