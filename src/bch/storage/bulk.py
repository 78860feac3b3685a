"""Bulk loading for benchmarks and large imports: many new records (the same NewRevision a
publish takes) in one transaction, with the same derived rows a publish writes (revision,
change-sequence entry, links, LMO UID keys, facet rows, per-language search texts, the
search index entries), inserted in batches instead of one record at a time. Validation is the caller's business: the rows must come
from already validated documents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table, func, insert, select

from bch.storage.bulk_copy import copy_rows, follow_ids
from bch.storage.rows import NewRevision
from bch.storage.search_index import tokens_row
from bch.storage.tables import (
    changes,
    documents,
    lmo_uids,
    record_facets,
    record_links,
    revisions,
    search_texts,
    search_tokens,
)


def bulk_publish(
    conn: Connection,
    records: Sequence[NewRevision],
    at: datetime,
    keys: Sequence[tuple[int, int]] | None = None,
) -> int:
    """Insert new records (revision 1 each) with all derived rows; returns the last sequence.
    `conn` must be a Database.writing() transaction (its lock keeps the sequence gap-free).
    `keys`: (documentID, revision) of each record instead (a national node's copies of the
    central's records keep its numbers)."""
    next_id = conn.execute(select(func.coalesce(func.max(documents.c.id), 0))).scalar_one() + 1
    next_seq = conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one() + 1
    order = (
        *(documents, revisions, changes, record_links, lmo_uids),
        *(record_facets, search_texts, search_tokens),
    )
    rows: dict[Table, list[dict[str, Any]]] = {t: [] for t in order}
    for i, r in enumerate(records):
        doc_id, seq = next_id + i, next_seq + i
        number = 1
        if keys is not None:
            doc_id, number = keys[i]
        rows[documents].append(
            {
                "id": doc_id,
                "identifier": r.identifier,
                "realm": r.realm,
                "schema": r.schema,
                "short_code": r.short_code,
                "owner": r.owner,
                "latest_revision": number,
                "title": r.title,
                "created_at": at,
                "updated_at": at,
            }
        )
        rows[revisions].append(
            {
                "document_id": doc_id,
                "revision": number,
                "body": r.body,
                "hash": r.hash,
                "created_at": at,
                "created_by": r.by,
                "warnings": r.warnings,
            }
        )
        rows[changes].append(
            {"seq": seq, "document_id": doc_id, "revision": number, "action": "publish", "at": at}
        )
        rows[record_links].extend(
            {"source_id": doc_id, "field": f, "target_identifier": t, "target_revision": rev}
            for (f, t), rev in {(f, t): rev for f, t, rev in r.links}.items()
        )
        rows[lmo_uids].extend(
            {"uid_key": k, "document_id": doc_id, "kind": kind}
            for k, kind in dict(r.lmo_keys).items()
        )
        rows[record_facets].extend(
            {"document_id": doc_id, "field": f, "value": v} for f, v in dict.fromkeys(r.facets)
        )
        rows[search_texts].extend(
            {"document_id": doc_id, "lang": lang, "content": c} for lang, c in r.texts.items()
        )
        if r.index is None:
            rows[search_tokens].append(tokens_row(doc_id, r.texts, r.title))
        else:
            rows[search_tokens].append(
                {"document_id": doc_id, "words": r.index[0], "title": r.index[1]}
            )
    for table, values in rows.items():  # documents first: the others refer to them
        if values:
            insert_rows(conn, table, values)
    if conn.dialect.name == "postgresql":
        follow_ids(conn, documents)  # the next publish takes the id after these
    return next_seq + len(records) - 1


def insert_rows(conn: Connection, table: Table, values: list[dict[str, Any]]) -> None:
    """INSERT many rows (each with the same keys). On SQLite straight to the driver's
    executemany, JSON written by orjson: the same stored values as SQLAlchemy's insert() (JSON
    text read back with orjson, times in SQLAlchemy's SQLite format), without its per-row
    processing, which cost as much as SQLite's own work in a node's bootstrap. On PostgreSQL
    with COPY (bch.storage.bulk_copy)."""
    dialect = conn.dialect
    if dialect.name == "postgresql":
        copy_rows(conn, table, values)
        return
    if dialect.name != "sqlite":
        conn.execute(insert(table), values)
        return
    columns = list(values[0])
    convert: list[Callable[[Any], Any] | None] = []
    for name in columns:
        kind = table.c[name].type
        if isinstance(kind, JSON):
            convert.append(_json_text)
        else:
            convert.append(kind.dialect_impl(dialect).bind_processor(dialect))
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    if not any(convert):
        conn.exec_driver_sql(sql, [tuple(v.values()) for v in values])
        return
    pairs = list(zip(columns, convert, strict=True))
    conn.exec_driver_sql(sql, [tuple(f(v[c]) if f else v[c] for c, f in pairs) for v in values])


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()  # None too: SQLAlchemy's JSON stores it as 'null'


# -- SQLite's full-text index during a bulk load ---------------------------------------------------
# The FTS5 index of `search_tokens` (migration 0007_search_engines) is kept by two triggers, one
# index update per row. A node's bootstrap drops them and rebuilds the index once at its end
# (FTS5 'rebuild' reads `search_tokens` whole: about five times less work than row by row).
FTS = "search_tokens_fts"
FTS_TRIGGERS = {  # the migration's statements, verbatim
    f"{FTS}_ai": (
        f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON search_tokens BEGIN "
        f"INSERT INTO {FTS}(rowid, words, title) VALUES (new.document_id, new.words, new.title); "
        "END"
    ),
    f"{FTS}_ad": (
        f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON search_tokens BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, words, title) "
        "VALUES ('delete', old.document_id, old.words, old.title); END"
    ),
}


def defer_text_index(conn: Connection) -> None:
    """Stop keeping SQLite's full-text index row by row (a no-op on PostgreSQL) until
    `restore_text_index`, in a later transaction (any number of them: a bulk load interrupted
    anywhere leaves the triggers dropped, and the next restore rebuilds the index whole)."""
    if conn.dialect.name == "sqlite":
        for name in FTS_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def restore_text_index(conn: Connection) -> bool:
    """Rebuild SQLite's full-text index from `search_tokens` and put its triggers back, if
    `defer_text_index` dropped them (in the caller's transaction: both or neither). Returns
    whether it rebuilt."""
    if conn.dialect.name != "sqlite":
        return False
    present = {
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_tokens'"
        )
    }
    if present >= set(FTS_TRIGGERS):
        return False
    conn.exec_driver_sql(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    for name, create in FTS_TRIGGERS.items():
        if name not in present:
            conn.exec_driver_sql(create)
    return True
