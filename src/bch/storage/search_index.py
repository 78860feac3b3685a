"""The rows a search reads, written in the publish transaction: facet rows and per-language full
text (read by bch.storage.search: the SQL engine and the bitmap index)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, delete, insert

from bch.storage.tables import record_facets, search_texts


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
