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
from bch.storage.mirror_stamps import CentralStamp
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
    stamps: Sequence[CentralStamp | None] | None = None,
) -> int:
    """Insert new records (revision 1 each) with all derived rows; returns the last sequence.
    `conn` must be a Database.writing() transaction (its lock keeps the sequence gap-free).
    `keys`: (documentID, revision) of each record instead (a national node's copies of the
    central's records keep its numbers). `stamps`: what the central says of each (its times,
    publisher and warnings, None: nothing), written with the rows: the values
    bch.storage.mirror_stamps.stamp_publishes would give them afterwards."""
    next_id = conn.execute(select(func.coalesce(func.max(documents.c.id), 0))).scalar_one() + 1
    next_seq = conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one() + 1
    rows: dict[Table, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}
    for i, r in enumerate(records):
        doc_id, seq = next_id + i, next_seq + i
        number = 1
        if keys is not None:
            doc_id, number = keys[i]
        created = published = at
        warnings, by = r.warnings, r.by
        stamp = stamps[i] if stamps is not None else None
        if stamp is not None:
            created = stamp.created_at or at
            published = stamp.published_at or at
            warnings = r.warnings if stamp.warnings is None else stamp.warnings
            by = stamp.published_by or r.by
        rows[documents].append(
            (doc_id, r.identifier, r.realm, r.schema, r.short_code, r.owner, number, r.title)
            + (created, published)
        )
        rows[revisions].append((doc_id, number, r.body, r.hash, published, by, warnings))
        rows[changes].append((seq, doc_id, number, "publish", published))
        rows[record_links] += [
            (doc_id, f, t, rev) for (f, t), rev in {(f, t): rev for f, t, rev in r.links}.items()
        ]
        rows[lmo_uids] += [(k, doc_id, kind) for k, kind in dict(r.lmo_keys).items()]
        rows[record_facets] += [(doc_id, f, v) for f, v in dict.fromkeys(r.facets)]
        rows[search_texts] += [(doc_id, lang, c) for lang, c in r.texts.items()]
        if r.index is None:
            t = tokens_row(doc_id, r.texts, r.title)
            rows[search_tokens].append((doc_id, t["words"], t["title"]))
        else:
            rows[search_tokens].append((doc_id, r.index[0], r.index[1]))
    for table, values in rows.items():  # documents first: the others refer to them
        if values:
            insert_tuples(conn, table, COLUMNS[table], values)
    if conn.dialect.name == "postgresql":
        follow_ids(conn, documents)  # the next publish takes the id after these
    return next_seq + len(records) - 1


# the columns bulk_publish writes, table by table (documents first: the others refer to them)
COLUMNS: dict[Table, tuple[str, ...]] = {
    documents: (
        *("id", "identifier", "realm", "schema", "short_code", "owner", "latest_revision"),
        *("title", "created_at", "updated_at"),
    ),
    revisions: ("document_id", "revision", "body", "hash", "created_at", "created_by", "warnings"),
    changes: ("seq", "document_id", "revision", "action", "at"),
    record_links: ("source_id", "field", "target_identifier", "target_revision"),
    lmo_uids: ("uid_key", "document_id", "kind"),
    record_facets: ("document_id", "field", "value"),
    search_texts: ("document_id", "lang", "content"),
    search_tokens: ("document_id", "words", "title"),
}


def insert_rows(conn: Connection, table: Table, values: list[dict[str, Any]]) -> None:
    """INSERT many rows (each with the same keys, in the same order): see insert_tuples."""
    if values:
        insert_tuples(conn, table, list(values[0]), [tuple(v.values()) for v in values])


def insert_tuples(
    conn: Connection, table: Table, columns: Sequence[str], values: list[tuple[Any, ...]]
) -> None:
    """INSERT many rows (values of `columns`, in that order). On SQLite straight to the
    driver's executemany, JSON written by orjson: the same stored values as SQLAlchemy's
    insert() (JSON text read back with orjson, times in SQLAlchemy's SQLite format), without
    its per-row processing, which cost as much as SQLite's own work in a node's bootstrap. On
    PostgreSQL with COPY (bch.storage.bulk_copy)."""
    if not values:  # nothing to write (and no column to zip the converters with)
        return
    dialect = conn.dialect
    if dialect.name == "postgresql":
        copy_rows(conn, table, columns, values)
        return
    if dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(columns, v, strict=True)) for v in values])
        return
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
    if any(convert):  # column by column (map and zip run in C: no Python frame per value)
        by_column = zip(*values, strict=True)
        converted = [map(f, c) if f else c for c, f in zip(by_column, convert, strict=True)]
        values = list(zip(*converted, strict=True))
    conn.exec_driver_sql(sql, values)


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
