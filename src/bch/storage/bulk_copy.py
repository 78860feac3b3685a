"""PostgreSQL bulk writes: many rows of one table with COPY (psycopg 3 `cursor.copy`), the GIN
indexes of the search tables built once after a bulk load rather than row by row, and an id
sequence moved past ids written explicitly. Used by bch.storage.bulk (the shipped data's first
load, a national node's bootstrap); every function is PostgreSQL's only (SQLite has executemany
and its FTS5 triggers, see bch.storage.bulk).

What COPY stores is what SQLAlchemy's insert() stores: JSON columns get the JSON text (orjson;
PostgreSQL parses it into jsonb, whose stored form does not depend on the text's spacing), the
other values go through psycopg's own adaptation, as with insert()."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table, text


def copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], values: Sequence[Sequence[Any]]
) -> None:
    """COPY rows (values of `columns`, in that order) into `table`, in the caller's
    transaction."""
    if not values:
        return
    json_at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for value in values:
            row = list(value)
            for i in json_at:
                row[i] = orjson.dumps(row[i]).decode()  # None too: stored as JSON 'null'
            copy.write_row(row)


@contextmanager
def gin_indexes_deferred(conn: Connection, tables: Sequence[str]) -> Iterator[None]:
    """Drop the GIN indexes of `tables` for the block and create them again at its end (see
    `indexes_rebuilt`): one index build instead of one update per row. Other transactions wait
    for the block's commit to use these tables (DROP INDEX locks them): for a load into a new
    database."""
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(:tables) AND indexdef LIKE '% USING gin %'"
        ),
        {"tables": list(tables)},
    ).all()
    with indexes_rebuilt(conn, [(name, sql) for name, sql in indexes]):
        yield


@contextmanager
def indexes_rebuilt(conn: Connection, indexes: Sequence[tuple[str, str]]) -> Iterator[None]:
    """Drop the indexes (name, definition as pg_indexes gives it) for the block and create them
    again from their definitions at its end, in the caller's transaction (a failure rolls the
    drop back too)."""
    for name, _sql in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _name, sql in indexes:
        conn.execute(text(sql.replace(":", "\\:")))  # verbatim: a colon is no parameter


def follow_ids(conn: Connection, table: Table, column: str = "id") -> None:
    """Move the id sequence of `table` past its largest id (after ids written explicitly), so
    that the next insert without an id does not collide."""
    seq = conn.execute(
        text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}
    ).scalar_one()
    if seq:
        quote = conn.dialect.identifier_preparer.quote
        conn.execute(
            text(
                f"SELECT setval(:seq, COALESCE((SELECT MAX({quote(column)}) FROM "
                f"{quote(table.name)}), 0) + 1, false)"
            ),
            {"seq": seq},
        )
