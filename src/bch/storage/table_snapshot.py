"""A table snapshot (issue 12 performance): one SQLite file holding exactly the rows a national
node mirrors, in the node's own tables, so that a new node copies them table by table
(bch.storage.table_bootstrap) instead of applying a dump record by record.

Built by a SQLite central from one consistent read of its database (ATTACHed read-only, one
read transaction): the live records in scope with their current revision, that revision's
derived rows (links, LMO UID keys, facets, per-language texts, search index entries) and the
full-text index built over them, each row as a node bootstrapped from the dumps holds it (the
node's change sequence numbered 1..N, revisions stamped with the central's publisher in public
form, bodies without the confidential fields the caller may not see: `redact`). The tables are
created with the central's own DDL: a node of the same version has the same, and SQLite's
transfer optimisation copies them page-wise. The `bch_snapshot` table says what the file is
(`META` keys)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

FORMAT = 1  # bumped when what a snapshot holds changes
# the tables copied, in the order they are filled (documents first: the others refer to them)
TABLES = (
    "documents",
    "revisions",
    "changes",
    "record_links",
    "lmo_uids",
    "record_facets",
    "search_texts",
    "search_tokens",
)
FTS = "search_tokens_fts"  # the full-text index of search_tokens (migration 0007_search_engines)
FTS_SHADOWS = (f"{FTS}_data", f"{FTS}_idx", f"{FTS}_docsize", f"{FTS}_config")
META = "bch_snapshot"

# body, owner, schema -> the body as the caller may see it (None: unchanged) and its hash
Redact = Callable[[str, str, str], tuple[str, str] | None]


@dataclass(frozen=True)
class SnapshotFacts:
    sequence: int  # the central's change sequence the snapshot was read at
    records: int
    migration: str  # the central's alembic heads, sorted (the shape of its tables)
    unindexed: int  # records without search index entries (a node derives those: the dumps)


def sqlite_path(url_database: str | None) -> Path | None:
    """The file of a SQLite database URL's database part; None for memory."""
    if not url_database or url_database == ":memory:":
        return None
    return Path(url_database)


def build(
    source: Path,
    dest: Path,
    *,
    schemas: Collection[str],
    countries: Collection[str],
    reference_owner: str,
    first: Sequence[str],
    redact: Redact,
    public_actor: Callable[[str], str],
    meta: dict[str, str],
) -> SnapshotFacts:
    """Write the snapshot of `source` (a SQLite central's file, only read) to `dest` (a new
    file, or an empty one: its builder's claim). `schemas`/`countries` empty: every one
    (reference records are always in)."""
    out = sqlite3.connect(dest, isolation_level=None)
    try:
        out.execute("PRAGMA journal_mode=OFF")  # a new file, renamed into place when whole
        out.execute("PRAGMA synchronous=OFF")
        out.execute("PRAGMA cache_size=-65536")
        out.execute("ATTACH DATABASE ? AS src", (f"file:{source}?mode=ro",))
        out.create_function("bch_redact", 3, _redactor(redact), deterministic=True)
        out.create_function("bch_actor", 1, public_actor, deterministic=True)
        out.execute("BEGIN")  # one read transaction of the central: one consistent snapshot
        facts = _fill(out, schemas, countries, reference_owner, first)
        out.execute(f"CREATE TABLE {META} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        values = {
            **meta,
            "format": str(FORMAT),
            "sequence": str(facts.sequence),
            "records": str(facts.records),
            "migration": facts.migration,
            "unindexed": str(facts.unindexed),
        }
        out.executemany(f"INSERT INTO {META} VALUES (?, ?)", sorted(values.items()))
        out.execute("COMMIT")
        out.execute("DETACH DATABASE src")
    finally:
        out.close()
    return facts


def _redactor(redact: Redact) -> Callable[[str, str, str], str | None]:
    return lambda body, owner, schema: _redacted(redact, body, owner, schema)


def _redacted(redact: Redact, body: str, owner: str, schema: str) -> str | None:
    """The hash (64 hex digits) then the body as seen, or None (the stored ones stand)."""
    seen = redact(body, owner, schema)
    if seen is None:
        return None
    assert len(seen[1]) == 64
    return seen[1] + seen[0]


def _ddl(conn: sqlite3.Connection, names: Collection[str]) -> list[str]:
    """The central's CREATE statements of these tables and of their indexes."""
    rows = conn.execute(
        "SELECT type, name, tbl_name, sql FROM src.sqlite_master WHERE sql IS NOT NULL"
    ).fetchall()
    tables = [r[3] for r in rows if r[0] == "table" and r[1] in names]
    indexes = [r[3] for r in rows if r[0] == "index" and r[2] in names]
    return tables + indexes


def _fill(
    out: sqlite3.Connection,
    schemas: Collection[str],
    countries: Collection[str],
    reference_owner: str,
    first: Sequence[str],
) -> SnapshotFacts:
    sequence = out.execute("SELECT coalesce(max(seq), 0) FROM src.changes").fetchone()[0]
    migration = ",".join(
        sorted(r[0] for r in out.execute("SELECT version_num FROM src.alembic_version"))
    )
    for sql in _ddl(out, TABLES):
        out.execute(sql)
    fts = out.execute(
        "SELECT sql FROM src.sqlite_master WHERE type = 'table' AND name = ?", (FTS,)
    ).fetchone()
    out.execute(fts[0])  # the virtual table creates its shadow tables
    where = ["d.deleted_at IS NULL"]
    params: list[str] = []
    if schemas:
        where.append(f"d.schema IN ({', '.join('?' * len(schemas))})")
        params += sorted(schemas)
    if countries:
        where.append(f"(d.owner = ? OR d.owner IN ({', '.join('?' * len(countries))}))")
        params += [reference_owner, *sorted(countries)]
    # the node's change numbers and text row ids in the order a node loads the dumps: the
    # record types `first` first, then the others by name; by documentID within each
    ranks = " ".join(f"WHEN ? THEN {i}" for i in range(len(first)))
    order = (
        f"CASE d.schema {ranks} ELSE {len(first)} END, d.schema, d.id"
        if first
        else "d.schema, d.id"
    )
    out.execute(
        "CREATE TEMP TABLE pick (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, redacted TEXT)"
    )
    out.execute(
        "INSERT INTO pick (id, seq, redacted) "
        f"SELECT d.id, row_number() OVER (ORDER BY {order}), "
        "bch_redact(CAST(r.body AS TEXT), d.owner, d.schema) "
        "FROM src.documents d JOIN src.revisions r "
        "ON r.document_id = d.id AND r.revision = d.latest_revision "
        f"WHERE {' AND '.join(where)} ORDER BY d.id",
        [*first, *params],
    )
    records = out.execute("SELECT count(*) FROM pick").fetchone()[0]
    # what a node bootstrapped from the dumps writes (bch.storage.bulk.bulk_publish with the
    # central's stamps): the record's times, the revision published at its updatedAt by the
    # central's publisher in public form, one change per record
    out.execute(
        "INSERT INTO documents (id, identifier, realm, schema, short_code, owner, "
        "latest_revision, title, created_at, updated_at) "
        "SELECT d.id, d.identifier, d.realm, d.schema, d.short_code, d.owner, "
        "d.latest_revision, d.title, d.created_at, d.updated_at "
        "FROM pick p JOIN src.documents d ON d.id = p.id ORDER BY d.id"
    )
    out.execute(
        "INSERT INTO revisions (document_id, revision, body, hash, created_at, created_by, "
        "warnings) "
        "SELECT d.id, d.latest_revision, "
        "CASE WHEN p.redacted IS NULL THEN r.body ELSE substr(p.redacted, 65) END, "
        "CASE WHEN p.redacted IS NULL THEN r.hash ELSE substr(p.redacted, 1, 64) END, "
        "d.updated_at, bch_actor(r.created_by), r.warnings "
        "FROM pick p JOIN src.documents d ON d.id = p.id "
        "JOIN src.revisions r ON r.document_id = d.id AND r.revision = d.latest_revision "
        "ORDER BY d.id"
    )
    out.execute(
        "INSERT INTO changes (seq, document_id, revision, action, at) "
        "SELECT p.seq, d.id, d.latest_revision, 'publish', d.updated_at "
        "FROM pick p JOIN src.documents d ON d.id = p.id ORDER BY p.seq"
    )
    for table, key in (
        ("record_links", "source_id"),
        ("lmo_uids", "document_id"),
        ("record_facets", "document_id"),
        ("search_tokens", "document_id"),
    ):
        out.execute(
            f"INSERT INTO {table} SELECT t.* FROM src.{table} t "
            f"WHERE t.{key} IN (SELECT id FROM pick)"
        )
    out.execute(
        "INSERT INTO search_texts (document_id, lang, content) "
        "SELECT t.document_id, t.lang, t.content FROM pick p "
        "JOIN src.search_texts t ON t.document_id = p.id ORDER BY p.seq, t.id"
    )
    out.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    unindexed = out.execute(
        "SELECT count(*) FROM pick WHERE id NOT IN (SELECT document_id FROM search_tokens)"
    ).fetchone()[0]
    return SnapshotFacts(sequence, records, migration, unindexed)


def read_meta(path: Path) -> dict[str, str]:
    """A snapshot file's `bch_snapshot` table; {} when it is not one (or unreadable)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        return dict(conn.execute(f"SELECT key, value FROM {META}").fetchall())
    except sqlite3.Error:
        return {}
    finally:
        conn.close()


def hidden_body(body: str, hidden: Collection[str]) -> str | None:
    """The body without the `hidden` top-level fields (orjson text, as a node stores a body),
    or None when it has none of them."""
    parsed = orjson.loads(body)
    if not any(k in parsed for k in hidden):
        return None
    return orjson.dumps({k: v for k, v in parsed.items() if k not in hidden}).decode()
