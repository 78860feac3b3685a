"""Every table's rows, read in one consistent snapshot and written back into an empty database
(bch.services.backup builds the archive around it).

A logical export, not pg_dump or SQLite's backup API: one format for both databases (an archive
of a SQLite database restores into PostgreSQL and back), no dependency on a pg_dump binary whose
major version must match the server's, and rows checked one by one on the way back. The read
runs in one transaction: REPEATABLE READ on PostgreSQL, a WAL read transaction on SQLite, so
writers go on during the backup and the archive holds exactly the state of one moment.

Values are written as JSON: timestamps as ISO 8601 text in UTC, JSON columns as they are; the
column types of `bch.storage.tables` turn them back. Generated columns (PostgreSQL's tsvector)
and SQLite's FTS5 tables are not tables of `metadata`: the database rebuilds them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, func, inspect, select, text

from bch.storage.bulk_copy import follow_ids, indexes_rebuilt
from bch.storage.sequence import last_sequence
from bch.storage.tables import metadata

BATCH = 1000


def tables_present(conn: Connection) -> list[str]:
    """The tables of `metadata` this database has, parents before children."""
    present = set(inspect(conn).get_table_names())
    return [t.name for t in metadata.sorted_tables if t.name in present]


def counts(conn: Connection) -> dict[str, int]:
    """Rows per table (tables of `metadata` this database has)."""
    return {
        name: conn.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one()
        for name in tables_present(conn)
    }


def change_head(conn: Connection) -> int:
    return last_sequence(conn)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite returns the stored UTC time without its zone
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    return value


def known_table(name: str) -> bool:
    return name in metadata.tables


def columns_of(name: str) -> list[str]:
    return [c.name for c in metadata.tables[name].columns]


def read_rows(conn: Connection, name: str) -> Iterator[list[Any]]:
    """The rows of one table in primary-key order, as lists of JSON values (columns_of)."""
    table = metadata.tables[name]
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
    for row in result:
        yield [_encode(v) for v in row]


def _decoder(name: str, columns: list[str]) -> Callable[[list[Any]], dict[str, Any]]:
    table = metadata.tables[name]
    times = {i for i, c in enumerate(columns) if isinstance(table.columns[c].type, DateTime)}

    def decode(values: list[Any]) -> dict[str, Any]:
        row = dict(zip(columns, values, strict=True))
        for i in times:
            if values[i] is not None:
                row[columns[i]] = datetime.fromisoformat(values[i])
        return row

    return decode


def unknown_columns(name: str, columns: list[str]) -> list[str]:
    known = set(columns_of(name)) if name in metadata.tables else set()
    return [c for c in columns if c not in known]


def write_rows(conn: Connection, name: str, columns: list[str], rows: Iterable[list[Any]]) -> int:
    """Insert the rows (lists in the order of `columns`) into one table; the number written."""
    table = metadata.tables[name]
    decode = _decoder(name, columns)
    written, batch = 0, []
    for values in rows:
        batch.append(decode(values))
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            written, batch = written + len(batch), []
    if batch:
        conn.execute(table.insert(), batch)
        written += len(batch)
    return written


@contextmanager
def bulk_load(conn: Connection) -> Iterator[None]:
    """Rows written inside this block skip the per-row work of the search indexes, which are
    rebuilt once at the end, in the same transaction (a failed restore leaves them as they were).

    SQLite: the triggers (they feed the FTS5 tables, `search_tokens_fts` today) are dropped and
    recreated from their own SQL, then every FTS5 table is rebuilt from its content table.
    PostgreSQL: the secondary indexes of the tables (the GIN indexes of the tsvector columns
    above all; not the unique ones, nor those backing a key or a constraint) are dropped and
    created again from their own definition (PostgreSQL's schema has no user triggers).
    Whatever the archive's migrations made is read from the database, not assumed."""
    if conn.dialect.name == "postgresql":
        indexes = conn.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:tables) "
                "AND i.indexdef NOT LIKE 'CREATE UNIQUE %' "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname AND c.connamespace = "
                "(SELECT oid FROM pg_namespace WHERE nspname = i.schemaname))"
            ),
            {"tables": tables_present(conn)},
        ).all()
        with indexes_rebuilt(conn, [(name, sql) for name, sql in indexes]):
            yield
        return
    triggers = conn.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
    ).all()
    for name, _sql in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        conn.execute(_verbatim(sql))
    for name in fts_tables(conn):
        conn.execute(text(f'INSERT INTO "{name}"("{name}") VALUES (\'rebuild\')'))


def fts_tables(conn: Connection) -> list[str]:
    """SQLite's FTS5 tables (virtual tables, not tables of `metadata`)."""
    return [
        name
        for name, sql in conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL")
        )
        if "USING FTS5" in sql.upper()
    ]


def _verbatim(sql: str):
    """A statement the database wrote itself, run as it is (a colon is not a parameter)."""
    return text(sql.replace(":", "\\:"))


def clear(conn: Connection) -> None:
    """Delete every row of every table of `metadata` (children first)."""
    present = set(tables_present(conn))
    for table in reversed(metadata.sorted_tables):
        if table.name in present:
            conn.execute(table.delete())


def after_restore(conn: Connection) -> None:
    """PostgreSQL: move each table's id sequence past the restored ids (SQLite's INTEGER
    PRIMARY KEY follows MAX(id) by itself)."""
    if conn.dialect.name != "postgresql":
        return
    for name in tables_present(conn):
        table = metadata.tables[name]
        for column in table.primary_key.columns:
            if column.autoincrement and len(table.primary_key.columns) == 1:
                follow_ids(conn, table, column.name)


def server_version(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SHOW server_version")).scalar_one()
    return conn.execute(text("SELECT sqlite_version()")).scalar_one()
