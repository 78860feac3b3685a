"""The rows a search reads, written in the publish transaction: facet rows, per-language full
text, and the record's search index entries (bch.storage.text_tokens), which both search engines
match (bch.storage.search: the SQL engine and the bitmap index)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from bch.storage.tables import documents, record_facets, search_texts, search_tokens
from bch.storage.text_tokens import document_entries, entry_line, title_tokens


def tokens_row(doc_id: int, texts: Mapping[str, str], title: Mapping[str, str] | None) -> dict:
    """The search_tokens row of a record: the entries of its texts and of its display title."""
    words = entry_line(document_entries(texts))
    return {"document_id": doc_id, "words": words, "title": entry_line(title_tokens(title))}


def replace_index(
    conn: Connection,
    doc_id: int,
    facets: Sequence[tuple[str, str]],
    texts: Mapping[str, str],
    title: Mapping[str, Any] | None = None,
) -> None:
    """Replace the facet rows, language texts and index entries of one record (same
    transaction as publish). `title`: its display title (default: the one stored)."""
    if title is None:
        title = conn.execute(select(documents.c.title).where(documents.c.id == doc_id)).scalar()
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
    conn.execute(insert(search_tokens), [tokens_row(doc_id, texts, title)])


def clear_index(conn: Connection, doc_id: int) -> None:
    conn.execute(delete(record_facets).where(record_facets.c.document_id == doc_id))
    conn.execute(delete(search_texts).where(search_texts.c.document_id == doc_id))
    conn.execute(delete(search_tokens).where(search_tokens.c.document_id == doc_id))
