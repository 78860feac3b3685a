"""The SQL search engine: a SearchRequest answered by the database, over the facet rows
(record_facets) and the index entries (search_tokens) a publish writes, always within
the caller's read scope (bch.storage.scope). Dialect pieces: bch.storage.search.dialect.

Words are matched against the records' index entries (search_tokens, see
bch.storage.search.dialect), the entries the bitmap engine holds. Relevance follows the contract
(bch.storage.search.contract): a hit's tier is the number of query words its title entries do
not match, an SQL expression (one title match per word), so the database orders and pages by
(tier, id) and reads only the page's rows, as for any other sort."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.sql import Select

from bch.records.identifiers import REFERENCE_OWNER
from bch.storage.change_mark import SEARCH_ROWS, latest, marks_total
from bch.storage.database import Database
from bch.storage.rows import DocumentRow, document_from
from bch.storage.scope import scope_filter
from bch.storage.search.contract import (
    FACET_SIZE,
    After,
    DateRange,
    Filter,
    SearchBackend,
    SearchHits,
    SearchRequest,
)
from bch.storage.search.dialect import BudgetExceeded, SearchDialect, search_dialect
from bch.storage.search.position_changes import NOT_LOCAL, updated_positions
from bch.storage.search.positions import Positions
from bch.storage.tables import (
    detection_method_lmos,
    documents,
    lmo_uids,
    record_facets,
    record_links,
)
from bch.storage.text_tokens import (
    LONG_WORD,
    OWN_WORDS,
    TITLE_PAIRS,
    TITLE_WORDS,
    query_words,
)

COLUMNS = {"realm": documents.c.realm, "schema": documents.c.schema, "country": documents.c.owner}
TITLE_SORT = "_title"  # the hidden facet holding the sort key of the display title
DATE_COLUMNS = {"updated": documents.c.updated_at, "created": documents.c.created_at}
ORDER_COLUMNS = {
    "identifier": documents.c.identifier,
    "schema": documents.c.schema,
    "revision": documents.c.latest_revision,
}


class SqlSearch(SearchBackend):
    name = "s"

    def __init__(self, db: Database):
        self.db = db
        self.dialect = search_dialect(db.name)
        self.positions = Positions()  # v2013 offset pages (ordered_ids)

    # -- the contract ---------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchHits:
        with self.db.reading() as conn:
            where = self.where(conn, request)
            items, after = self.page(conn, request, where)
            total, facets, late = self._counts(conn, request, where)
        return SearchHits(items, after, total, facets, late, self.name)

    def hit_ids(self, request: SearchRequest) -> list[int]:
        """Every hit's id, in id order."""
        with self.db.reading() as conn:
            stmt = select(documents.c.id).where(*self.where(conn, request))
            return list(conn.execute(stmt.order_by(documents.c.id)).scalars())

    def ordered_ids(
        self, request: SearchRequest, order: list[tuple[str, bool]], start: int, rows: int
    ) -> tuple[int, list[DocumentRow]]:
        """The hits in `order` are walked once (bch.storage.search.positions), then brought up
        to date from the change feed (bch.storage.search.position_changes): the total is their
        number, a page a slice of them, and only the page's rows are read."""
        with self.db.reading() as conn, conn.begin():
            ids = self._positions(conn, request, order)
            page = list(ids[start : start + rows])
            found = self.documents_by_ids(conn, page)
        return len(ids), [found[i] for i in page if i in found]

    def ordered_hits(self, request: SearchRequest, order: list[tuple[str, bool]]) -> Any:
        """Every hit's id in a column order (as ordered_ids): the kept positions themselves."""
        with self.db.reading() as conn, conn.begin():
            return self._positions(conn, request, order)

    def _positions(self, conn: Connection, request: SearchRequest, order) -> Any:
        """The ids of the hits in `order`, kept per database state (see ordered_ids)."""
        state, rows_mark = latest(conn, SEARCH_ROWS)
        # search rows rewritten by a reindex (no change appended): walked again
        key = (
            replace(request, after=None, limit=0, include_total=False),
            tuple(order),
            rows_mark,
        )
        if NOT_LOCAL.intersection(f.kind for f in request.filters):
            # their matches also follow data written outside the feed (detection methods)
            state = (state, marks_total(conn))
        ids = self.positions.ordered(
            key,
            state,
            lambda: self._ordered_walk(conn, request, order),
            lambda kept_state, kept: updated_positions(
                conn,
                kept_state,
                kept,
                state,
                [self.order_key(column) for column, _d in order],
                [descending for _c, descending in order],
                lambda: self.where(conn, request),
                [f.kind for f in request.filters],
            ),
        )
        return ids

    def _ordered_walk(self, conn: Connection, request: SearchRequest, order) -> Any:
        keys = []
        for column, descending in order:
            key = self.order_key(column)
            keys.append(key.desc() if descending else key.asc())
        if "identifier" not in [c for c, _d in order]:  # identifiers are unique: no tie left
            keys.append(documents.c.id.asc())
        stmt = select(documents.c.id).where(*self.where(conn, request)).order_by(*keys)
        return conn.execute(stmt)

    def order_key(self, column: str) -> Any:
        if column in DATE_COLUMNS:
            return self.dialect.second_order(DATE_COLUMNS[column])
        key = ORDER_COLUMNS[column]
        return key if column == "revision" else self.dialect.code_point(key)

    # -- the hits -------------------------------------------------------------------------------
    def where(self, conn: Connection, request: SearchRequest) -> list[ColumnElement[bool]]:
        """The conditions on `documents` that select the hits: scope, filters and words."""
        out = [scope_filter(request.scope), *(self.condition(f) for f in request.filters)]
        match = self.dialect.text_match(request.q) if request.q else None
        if match is not None:
            out.append(documents.c.id.in_(select(match.c.document_id)))
        return out

    def condition(self, f: Filter) -> ColumnElement[bool]:
        if f.kind == "range":
            return range_condition(f.name, f.values[0])
        if f.kind == "column":
            return COLUMNS[f.stored].in_(list(f.values))
        if f.kind == "lmoUid":
            return lmo_uid_condition(list(f.values))
        if f.kind == "detection":
            return has_detection() if f.values[0] == "true" else ~has_detection()
        if f.kind == "identifier":
            return documents.c.identifier.in_(list(f.values))
        if f.kind == "ids":
            return documents.c.id.in_(list(f.values)) if f.values else false()
        if f.kind == "date":
            return and_(true(), *(self._date(f.stored, r) for r in f.values))
        if f.kind == "title":
            found = [w for v in f.values for w in query_words(v)]
            return or_(
                false(),
                *(
                    documents.c.id.in_(select(self.dialect.match([w], "title").c.document_id))
                    for w in found
                ),
            )
        if f.kind in TITLE_ROWS:
            return title_rows_condition(f.kind, f.stored, list(f.values), self.dialect)
        return facet_condition(f.stored, list(f.values))

    def _date(self, column: str, bounds: DateRange) -> ColumnElement[bool]:
        key = self.dialect.second_key(DATE_COLUMNS[column])
        parts: list[ColumnElement[bool]] = []
        if bounds.lower is not None:
            low = self.dialect.second_bound(bounds.lower)
            parts.append(key >= low if bounds.include_lower else key > low)
        if bounds.upper is not None:
            high = self.dialect.second_bound(bounds.upper)
            parts.append(key <= high if bounds.include_upper else key < high)
        return and_(true(), *parts)

    # -- a page ---------------------------------------------------------------------------------
    def page(
        self, conn: Connection, request: SearchRequest, where: list
    ) -> tuple[list[DocumentRow], After | None]:
        """One page sorted by id, updatedAt, title or relevance (keyset on the sort key and
        id)."""
        title = None
        if request.sort == "title":
            title = (
                select(record_facets.c.document_id, record_facets.c.value)
                .where(record_facets.c.field == TITLE_SORT)
                .subquery("ts")
            )
        key = {
            "updatedAt": documents.c.updated_at,
            "title": func.coalesce(title.c.value, "") if title is not None else None,
            "relevance": self.tier(request.q) if request.sort == "relevance" else None,
        }.get(request.sort)
        cols = [documents, key.label("sort_key")] if key is not None else [documents]
        stmt: Select = select(*cols).where(*where)
        if title is not None:
            stmt = stmt.outerjoin(title, title.c.document_id == documents.c.id)
        after, descending = request.after, request.descending
        if after is not None:
            if key is None:
                cond = documents.c.id < after.id if descending else documents.c.id > after.id
            else:
                pair = tuple_(key, documents.c.id)
                cond = pair < (after.key, after.id) if descending else pair > (after.key, after.id)
            stmt = stmt.where(cond)
        order = [key, documents.c.id] if key is not None else [documents.c.id]
        stmt = stmt.order_by(*[c.desc() if descending else c.asc() for c in order])
        rows = list(conn.execute(stmt.limit(request.limit + 1)))
        more = len(rows) > request.limit
        rows = rows[: request.limit]
        items = [document_from(r._mapping) for r in rows]
        nxt = None
        if more and rows:
            last = rows[-1]._mapping
            nxt = After(last["id"], last["sort_key"] if key is not None else None)
        return items, nxt

    def tier(self, q: str) -> ColumnElement[int] | None:
        """The relevance tier of a record for the words of `q` (title_tier in SQL: one per word
        its title entries do not match); None when `q` has no words (relevance is id order)."""
        words = query_words(q)
        if not words:
            return None
        misses = [
            case(
                (documents.c.id.in_(select(self.dialect.match([w], "title").c.document_id)), 0),
                else_=1,
            )
            for w in words
        ]
        total = misses[0]
        for miss in misses[1:]:
            total = total + miss
        return total

    @staticmethod
    def documents_by_ids(conn: Connection, ids: Sequence[int]) -> dict[int, DocumentRow]:
        if not ids:
            return {}
        stmt = select(documents).where(documents.c.id.in_(list(ids)))
        return {r.id: document_from(r._mapping) for r in conn.execute(stmt)}

    def titles(self, ids: Sequence[int]) -> dict[int, Any]:
        """id -> title (the stored title texts) of these records, read in chunks."""
        out: dict[int, Any] = {}
        with self.db.reading() as conn:
            for at in range(0, len(ids), 1000):
                part = list(ids[at : at + 1000])
                stmt = select(documents.c.id, documents.c.title).where(documents.c.id.in_(part))
                out.update((r.id, r.title) for r in conn.execute(stmt))
        return out

    # -- counts ---------------------------------------------------------------------------------
    def _counts(
        self, conn: Connection, request: SearchRequest, where: list
    ) -> tuple[int | None, dict[str, list[tuple[str, int]]], list[str]]:
        """The total and each facet's counts, each statement within its own time budget; the
        names of those that ran out of time (their counts are empty, the total None)."""
        facets: dict[str, list[tuple[str, int]]] = {}
        late: list[str] = []
        hits = select(documents.c.id).where(*where).subquery("hits")
        total = None
        if request.include_total and request.facet_budget <= 0:
            late.append("total")
        elif request.include_total:
            try:
                with self.dialect.time_budget(conn, request.facet_budget):
                    total = conn.execute(select(func.count()).select_from(hits)).scalar_one()
            except BudgetExceeded:
                late.append("total")
        for name in dict.fromkeys(request.facets):
            try:
                if request.facet_budget <= 0:  # no time at all
                    raise BudgetExceeded
                with self.dialect.time_budget(conn, request.facet_budget):
                    rows = conn.execute(self._facet_select(hits, name)).all()
            except BudgetExceeded:
                facets[name] = []
                late.append(name)
                continue
            pairs = [(str(v) if v is not None else REFERENCE_OWNER, int(n)) for v, n in rows]
            facets[name] = sorted(pairs, key=lambda x: (-x[1], x[0]))[:FACET_SIZE]
        return total, facets, late

    @staticmethod
    def _facet_select(hits, stored: str) -> Select:
        if stored in COLUMNS:
            col = COLUMNS[stored]
            return (
                select(col.label("v"), func.count().label("n"))
                .select_from(documents)
                .join(hits, hits.c.id == documents.c.id)
                .group_by(col)
            )
        if stored == "hasDetectionMethod":
            flag = case((has_detection(), literal("true")), else_=literal("false"))
            return (
                select(flag.label("v"), func.count().label("n"))
                .select_from(documents)
                .join(hits, hits.c.id == documents.c.id)
                .group_by(flag)
            )
        return (
            select(record_facets.c.value.label("v"), func.count().label("n"))
            .select_from(record_facets)
            .join(hits, hits.c.id == record_facets.c.document_id)
            .where(record_facets.c.field == stored)
            .group_by(record_facets.c.value)
        )

    # -- pieces the bitmap engine asks for ------------------------------------------------------
    def ids_where(self, conn: Connection, condition: ColumnElement[bool]) -> list[int]:
        return list(conn.execute(select(documents.c.id).where(condition)).scalars())

    def detection_ids(self, conn: Connection) -> list[int]:
        """Records with a detection method: linked by UID, or stated in the record itself."""
        linked = select(lmo_uids.c.document_id).join(
            detection_method_lmos, detection_method_lmos.c.uid_key == lmo_uids.c.uid_key
        )
        stated = select(record_facets.c.document_id).where(
            record_facets.c.field == "detectionMethodInRecord"
        )
        return list(conn.execute(linked.union(stated)).scalars())


def range_condition(name: str, day: str) -> ColumnElement[bool]:
    """decisionDateFrom/To, updatedFrom/To: `day` is YYYY-MM-DD (checked by the service)."""
    target = "updatedAt" if name.startswith("updated") else "decisionDate"
    after = name.endswith("From")
    parsed = date.fromisoformat(day)
    if target == "updatedAt":
        moment = datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
        if not after:
            moment = moment.replace(hour=23, minute=59, second=59, microsecond=999999)
        col = documents.c.updated_at
        return col >= moment if after else col <= moment
    iso = parsed.isoformat()
    cond = record_facets.c.value >= iso if after else record_facets.c.value <= iso
    return documents.c.id.in_(
        select(record_facets.c.document_id).where(record_facets.c.field == target, cond)
    )


def facet_condition(field: str, values: list[str]) -> ColumnElement[bool]:
    """Records with a facet row (field, one of values)."""
    return documents.c.id.in_(
        select(record_facets.c.document_id).where(
            record_facets.c.field == field, record_facets.c.value.in_(values)
        )
    )


TITLE_ROWS = {"titleWords": TITLE_WORDS, "titlePairs": TITLE_PAIRS, "titlePrefix": TITLE_WORDS}


def title_rows_condition(
    kind: str, lang: str, values: list[str], dialect: SearchDialect
) -> ColumnElement[bool]:
    """Records whose display title in `lang` holds one of the words (titleWords), one of the
    adjacent word pairs (titlePairs) or a word starting with one of the prefixes (titlePrefix:
    a range of the rows, long words' rows included): its own rows in `lang`, or, without them
    (no OWN_WORDS row), its English ones (bch.storage.text_tokens)."""
    field = TITLE_ROWS[kind]

    def rows(name: str) -> ColumnElement[bool]:
        if kind != "titlePrefix":
            return facet_condition(name, values)
        # one select per range (a range each of the index, not a scan of the field's rows);
        # the LIKE: PostgreSQL's index of the title word rows in code point order is partial
        # (migration 0012_v2013_phrases), and the planner uses it when the query says so
        word_rows = record_facets.c.field.like(TITLE_WORDS + "%")
        ranges = [
            select(record_facets.c.document_id).where(
                record_facets.c.field == name,
                word_rows,
                dialect.prefix_range(record_facets.c.value, start),
            )
            for p in values
            for start in (p, LONG_WORD + p)
        ]
        return documents.c.id.in_(union_all(*ranges))

    own = rows(field + lang)
    if lang == "en":
        return own
    return or_(own, and_(rows(field + "en"), ~facet_condition(field + lang, [OWN_WORDS])))


def lmo_uid_condition(keys: list[str]) -> ColumnElement[bool]:
    """Records carrying one of the UID keys (any spelling, parsed by the service), or
    referencing an LMO that does."""
    lmo_docs = select(lmo_uids.c.document_id).where(lmo_uids.c.uid_key.in_(keys))
    lmo_identifiers = select(documents.c.identifier).where(documents.c.id.in_(lmo_docs))
    referencing = select(record_links.c.source_id).where(
        record_links.c.target_identifier.in_(lmo_identifiers)
    )
    return or_(documents.c.id.in_(lmo_docs), documents.c.id.in_(referencing))


def has_detection() -> ColumnElement[bool]:
    linked = exists(
        select(1)
        .select_from(
            lmo_uids.join(
                detection_method_lmos, detection_method_lmos.c.uid_key == lmo_uids.c.uid_key
            )
        )
        .where(lmo_uids.c.document_id == documents.c.id)
    )
    stated = exists(
        select(1).where(
            and_(
                record_facets.c.document_id == documents.c.id,
                record_facets.c.field == "detectionMethodInRecord",
            )
        )
    )
    return or_(linked, stated)
