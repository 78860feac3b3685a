"""A record's derived rows as stored (issue 12, a node's bootstrap from derived rows): its display
title, links, LMO UID keys, facet rows, per-language texts and search index entries, read for a
batch of records in the caller's transaction, in the shape a dump carries them
(docs/API.md, "Dumps with derived rows"). The same rows a publish writes (bch.storage.bulk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from bch.storage.tables import (
    documents,
    lmo_uids,
    record_facets,
    record_links,
    search_texts,
    search_tokens,
)


def derived_rows(conn: Connection, doc_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """documentID -> {title, links, lmoKeys, facets, texts, words, titleWords} of the records
    among `doc_ids` (texts in the order they were written: their row ids follow it)."""
    if not doc_ids:
        return {}
    ids = list(doc_ids)
    out: dict[int, dict[str, Any]] = {}
    for doc_id, title in conn.execute(
        select(documents.c.id, documents.c.title).where(documents.c.id.in_(ids))
    ):
        out[doc_id] = {
            "title": title,
            "links": [],
            "lmoKeys": [],
            "facets": [],
            "texts": {},
            "words": None,  # stays None without a search_tokens row (an unindexed record)
            "titleWords": None,
        }
    links = select(
        record_links.c.source_id,
        record_links.c.field,
        record_links.c.target_identifier,
        record_links.c.target_revision,
    ).where(record_links.c.source_id.in_(ids))
    for doc_id, field, target, revision in conn.execute(links):
        out[doc_id]["links"].append([field, target, revision])
    keys = select(lmo_uids.c.document_id, lmo_uids.c.uid_key, lmo_uids.c.kind).where(
        lmo_uids.c.document_id.in_(ids)
    )
    for doc_id, key, kind in conn.execute(keys):
        out[doc_id]["lmoKeys"].append([key, kind])
    facets = select(record_facets.c.document_id, record_facets.c.field, record_facets.c.value)
    for doc_id, field, value in conn.execute(facets.where(record_facets.c.document_id.in_(ids))):
        out[doc_id]["facets"].append([field, value])
    texts = (
        select(search_texts.c.document_id, search_texts.c.lang, search_texts.c.content)
        .where(search_texts.c.document_id.in_(ids))
        .order_by(search_texts.c.id)
    )
    for doc_id, lang, content in conn.execute(texts):
        out[doc_id]["texts"][lang] = content
    tokens = select(search_tokens.c.document_id, search_tokens.c.words, search_tokens.c.title)
    for doc_id, words, title_words in conn.execute(
        tokens.where(search_tokens.c.document_id.in_(ids))
    ):
        out[doc_id]["words"] = words
        out[doc_id]["titleWords"] = title_words
    for rows in out.values():  # a stable order, whatever the database's
        rows["links"].sort(key=lambda r: (r[0], r[1]))
        rows["lmoKeys"].sort()
        rows["facets"].sort()
    return out
