"""The search index: facet rows and per-language full text, written in the publish transaction,
and the dialect-specific pieces of a search (text match with relevance, time budgets).

PostgreSQL: search_texts.tsv is generated with the row language's text search configuration
(arabic, english, spanish, french, russian; 'simple' for Chinese, indexed as bigrams).
SQLite: FTS5 tables search_fts_en (Porter stemming) and search_fts_intl (Unicode, diacritics
folded) over search_texts; Chinese is indexed as bigrams in both."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Float, Integer, delete, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.selectable import Subquery

from bch.storage.tables import record_facets, search_texts

PG_CONFIGS = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french", "ru": "russian"}
_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"^[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+$")


def replace_index(
    conn: Connection, doc_id: int, facets: Sequence[tuple[str, str]], texts: Mapping[str, str]
) -> None:
    """Replace the facet rows and language texts of one record (same transaction as publish)."""
    clear_index(conn, doc_id)
    if facets:
        conn.execute(
            insert(record_facets),
            [{"document_id": doc_id, "field": f, "value": v} for f, v in dict.fromkeys(facets)],
        )
    if texts:
        conn.execute(
            insert(search_texts),
            [{"document_id": doc_id, "lang": lang, "content": c} for lang, c in texts.items()],
        )


def clear_index(conn: Connection, doc_id: int) -> None:
    conn.execute(delete(record_facets).where(record_facets.c.document_id == doc_id))
    conn.execute(delete(search_texts).where(search_texts.c.document_id == doc_id))


def query_terms(query: str) -> list[list[str]]:
    """Words of a user query; a CJK word becomes its bigrams (a phrase)."""
    out = []
    for w in _WORD.findall(query.lower()):
        if _CJK.match(w) and len(w) > 1:
            out.append([w[i : i + 2] for i in range(len(w) - 1)])
        else:
            out.append([w])
    return out


def text_match(conn: Connection, query: str, ranked: bool = True) -> Subquery | None:
    """Sub-select (document_id, rank) of live records matching every word of `query` in some
    language; lower rank = more relevant (rank is 0 when not `ranked`: much cheaper, for
    other sorts). None when the query has no words."""
    terms = query_terms(query)
    if not terms:
        return None
    if conn.dialect.name == "postgresql":
        return _pg_match(terms, ranked)
    return _sqlite_match(terms, ranked)


def _sqlite_match(terms: list[list[str]], ranked: bool) -> Subquery:
    parts = []
    for t in terms:
        if len(t) > 1:  # CJK bigram phrase
            parts.append('"' + " ".join(t) + '"')
        else:
            parts.append(f'"{t[0]}"*')
    expr = " ".join(parts)
    if not ranked:
        sql = text(
            "SELECT DISTINCT document_id, 0.0 AS rank FROM search_texts WHERE id IN ("
            " SELECT rowid FROM search_fts_en WHERE search_fts_en MATCH :fts_q"
            " UNION ALL SELECT rowid FROM search_fts_intl WHERE search_fts_intl MATCH :fts_q)"
        ).bindparams(fts_q=expr)
        return sql.columns(document_id=Integer, rank=Float).subquery("m")
    sql = text(
        "SELECT t.document_id AS document_id, min(r.rank) AS rank FROM ("
        " SELECT rowid AS rid, bm25(search_fts_en) AS rank FROM search_fts_en"
        " WHERE search_fts_en MATCH :fts_q"
        " UNION ALL"
        " SELECT rowid AS rid, bm25(search_fts_intl) AS rank FROM search_fts_intl"
        " WHERE search_fts_intl MATCH :fts_q"
        ") r JOIN search_texts t ON t.id = r.rid GROUP BY t.document_id"
    ).bindparams(fts_q=expr)
    return sql.columns(document_id=Integer, rank=Float).subquery("m")


def _pg_match(terms: list[list[str]], ranked: bool) -> Subquery:
    parts = []
    for t in terms:
        parts.append("(" + " <-> ".join(t) + ")" if len(t) > 1 else f"{t[0]}:*")
    expr = " & ".join(parts)
    cases = " ".join(
        f"WHEN '{lang}' THEN to_tsquery('{cfg}', :ts_q)" for lang, cfg in PG_CONFIGS.items()
    )
    query_for_row = f"(CASE lang {cases} ELSE to_tsquery('simple', :ts_q) END)"
    ors = " OR ".join(
        f"(lang = '{lang}' AND tsv @@ to_tsquery('{cfg}', :ts_q))"
        for lang, cfg in PG_CONFIGS.items()
    )
    langs = ", ".join(f"'{lang}'" for lang in PG_CONFIGS)
    where = f"{ors} OR (lang NOT IN ({langs}) AND tsv @@ to_tsquery('simple', :ts_q))"
    if not ranked:
        sql = text(
            f"SELECT DISTINCT document_id, 0.0::float8 AS rank FROM search_texts WHERE {where}"
        ).bindparams(ts_q=expr)
        return sql.columns(document_id=Integer, rank=Float).subquery("m")
    sql = text(
        f"SELECT document_id, min(-ts_rank(tsv, {query_for_row}))::float8 AS rank FROM search_texts"
        f" WHERE {ors} OR (lang NOT IN ({langs}) AND tsv @@ to_tsquery('simple', :ts_q))"
        " GROUP BY document_id"
    ).bindparams(ts_q=expr)
    return sql.columns(document_id=Integer, rank=Float).subquery("m")


class BudgetExceeded(Exception):
    """A time-boxed query (count, facet) ran out of time."""


@contextmanager
def time_budget(conn: Connection, seconds: float) -> Iterator[None]:
    """Run the enclosed queries with a time limit; raises BudgetExceeded when it is hit and
    leaves the connection usable."""
    if conn.dialect.name == "postgresql":
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
        return
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
