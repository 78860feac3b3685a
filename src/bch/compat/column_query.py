"""The CBD harvesters' query answered in SQL, without building the index document of every
candidate: `q=*:*` with `fq=schema_s:X`, `realm_ss:bch`, `government_s:ca`, `identifier_s:ID`,
`_state_s:public`, `NOT version_s:*`, `updatedDate_dt:[since TO *]` (incremental), paged with `start`/`rows` and sorted on record columns (`updatedDate_dt`,
`createdDate_dt`, `identifier_s`, `schema_s`, `_revision_i`). Such a query is exactly a filter
on document columns, so numFound is a COUNT, the page is ORDER BY ... LIMIT/OFFSET, and only
the page's index documents are built. The answer is the one the general evaluator gives
(tests/compat/test_column_query.py compares them); any other query goes to that evaluator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Text, and_, cast, func, select, true

from bch.compat.evaluate import parse_date
from bch.compat.solr_query import MUST, MUST_NOT, SHOULD, Clause, MatchAll, Node
from bch.records.identifiers import REFERENCE_OWNER
from bch.storage.tables import documents

# column -> allowed values (lower-case for realm and owner); for the dates "updatedDate_dt" and
# "createdDate_dt": the range clauses that must all hold
Filters = dict[str, Any]

_COLUMNS = {
    "schema_s": "schema",
    "realm_ss": "realm",
    "government_s": "owner",
    "identifier_s": "identifier",
}
_DATES = ("updatedDate_dt", "createdDate_dt")


def column_filters(node: Node) -> Filters | None:
    """The query as equality filters on document columns, or None when it is anything else."""
    if isinstance(node, MatchAll):
        return {}
    if isinstance(node, Clause):
        if node.kind == "range" and node.field in _DATES:
            return {node.field: [node]}  # incremental harvests: updatedDate_dt:[since TO *]
        if node.kind not in ("term", "phrase"):
            return None
        if node.field == "_state_s":
            return {} if node.value == "public" else None  # every indexed record is public
        column = _COLUMNS.get(node.field)
        return {column: {node.value}} if column else None
    must = [c for o, c in node.clauses if o == MUST]
    should = [c for o, c in node.clauses if o == SHOULD]
    for occur, child in node.clauses:
        # version_s is never set (only latest revisions are indexed): NOT version_s:* is a no-op
        if occur == MUST_NOT and not (
            isinstance(child, Clause) and child.field == "version_s" and child.kind == "exists"
        ):
            return None
    if must:
        parts = [column_filters(c) for c in must]
        return _all_of(parts)
    if not should:
        return {}  # only negative clauses, all of them no-ops
    parts = [column_filters(c) for c in should]
    if len(parts) == 1:
        return parts[0]
    return _any_of(parts)


def _all_of(parts: list[Filters | None]) -> Filters | None:
    out: Filters = {}
    for part in parts:
        if part is None:
            return None
        for column, values in part.items():
            if column in _DATES:
                out[column] = [*out.get(column, []), *values]
            else:
                out[column] = out[column] & values if column in out else set(values)
    return out


def _any_of(parts: list[Filters | None]) -> Filters | None:
    """field:a OR field:b on one column; anything wider is not a column filter."""
    columns = set()
    for part in parts:
        if part is None or len(part) != 1:
            return None
        columns |= set(part)
    if len(columns) != 1 or columns & set(_DATES):
        return None
    (column,) = columns
    return {column: set().union(*(p[column] for p in parts if p))}


def where(conn: Connection, filters: Filters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = [documents.c.deleted_at.is_(None)]
    for column, values in filters.items():
        if column in _DATES:
            out.extend(_in_range(conn, column, clause) for clause in values)
        elif column == "schema":
            out.append(documents.c.schema.in_(sorted(values)))
        elif column == "identifier":
            out.append(documents.c.identifier.in_(sorted(values)))
        elif column == "realm":  # realm_ss holds the realm in lower case
            out.append(func.lower(documents.c.realm).in_(sorted(values)))
        else:  # government_s: the owner in lower case; reference records have none
            out.append(func.lower(documents.c.owner).in_(sorted(values)))
            out.append(documents.c.owner != REFERENCE_OWNER)
    return out


def _in_range(conn: Connection, field: str, clause: Clause) -> ColumnElement[bool]:
    """The index value (whole seconds, UTC) within the clause's bounds, as the evaluator
    compares them (bch.compat.evaluate._in_range)."""
    key = _column_key(conn, field)
    parts: list[ColumnElement[bool]] = []
    for bound, lower, inclusive in (
        (clause.value, True, clause.include_lower),
        (clause.upper, False, clause.include_upper),
    ):
        if not bound:
            continue
        value = _bound(conn, parse_date(bound))
        if lower:
            parts.append(key >= value if inclusive else key > value)
        else:
            parts.append(key <= value if inclusive else key < value)
    return and_(true(), *parts)


def _bound(conn: Connection, moment: datetime) -> Any:
    if conn.dialect.name == "postgresql":
        return moment
    # SQLite keys are 'YYYY-MM-DD HH:MM:SS' strings: a bound with a fraction of a second sorts
    # after the whole second it starts with, as the datetime does
    text = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{moment.microsecond:06d}" if moment.microsecond else text


def sort_keys(conn: Connection, sort: list[tuple[str, bool]]) -> list[Any] | None:
    """ORDER BY for a Solr sort on record columns (ties: documentID, as the evaluator's stable
    sort leaves them); None when a field is not a column."""
    keys = []
    for field, descending in sort:
        if field == "score":
            continue  # no ranking in a filter-only query: every score is equal
        key = _column_key(conn, field)
        if key is None:
            return None
        keys.append(key.desc() if descending else key.asc())
    return [*keys, documents.c.id.asc()]


def _column_key(conn: Connection, field: str) -> Any:
    postgres = conn.dialect.name == "postgresql"
    if field in ("updatedDate_dt", "createdDate_dt"):  # index values have whole seconds
        col = documents.c.updated_at if field == "updatedDate_dt" else documents.c.created_at
        if postgres:
            return func.date_trunc("second", col)
        return func.substr(cast(col, Text), 1, 19)  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'
    column = {
        "identifier_s": documents.c.identifier,
        "schema_s": documents.c.schema,
        "_revision_i": documents.c.latest_revision,
    }.get(field)
    if column is not None and postgres and field != "_revision_i":
        return column.collate("C")  # code point order, as Python compares strings
    return column


def page(conn: Connection, filters: Filters, order: list[Any], start: int, rows: int):
    """(numFound, the page's document rows)."""
    conditions = where(conn, filters)
    total = conn.execute(select(func.count()).where(*conditions)).scalar_one()
    if rows == 0 or start >= total:
        return total, []
    stmt = select(documents).where(*conditions).order_by(*order).offset(start).limit(rows)
    return total, list(conn.execute(stmt))
