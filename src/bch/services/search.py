"""Search: full text over the six languages, filters, facet counts, sort and keyset cursors.

Answered from the in-memory bitmap index (bch.services.search_bitmaps over
bch.storage.bitmap_index) when it is ready; otherwise, and when BCH_SEARCH_INDEX=off, in SQL:
filters and facets over the record_facets index (written in each publish transaction) and the
database's full-text index, always combined with the policy's read filter. Both give every
surface (JSON API, web search, embeds) the same answers on SQLite and PostgreSQL
(tests/services/test_search_bitmaps.py compares them)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.sql import Select

from bch.records.identifiers import REFERENCE_OWNER
from bch.records.oecd_uid import try_parse_uid
from bch.records.realms import RealmRegistry
from bch.services.cursors import bad_cursor, decode_cursor, encode_cursor
from bch.services.errors import BadRequest
from bch.services.facets import TITLE_SORT, term_fields
from bch.services.numbers import MAX_ID, number_from_token
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.storage.bitmap_index import LiveIndex
from bch.storage.repository import DocumentRow, RecordStore, _doc_from
from bch.storage.scope import scope_filter
from bch.storage.search_index import BudgetExceeded, text_match, time_budget
from bch.storage.tables import (
    detection_method_lmos,
    documents,
    lmo_uids,
    record_facets,
    record_links,
)

MAX_LIMIT = 1000
FACET_SIZE = 100
COUNT_BUDGET = 2.0  # seconds for the optional total and the facet counts of one request

# API names of indexed fields -> stored field (named aliases of term fields).
ALIASES = {
    "decisionType": "decisionTypes",
    "decisionResult": "decisionResult",
    "trait": "traits",
    "organismType": "organismType",
}
COLUMNS = {"realm": documents.c.realm, "schema": documents.c.schema, "country": documents.c.owner}
NAMED = (
    "realm",
    "schema",
    "country",
    "region",
    "subregion",
    "decisionType",
    "decisionResult",
    "decisionScope",
    "decisionDate",
    "lmoUid",
    "trait",
    "organism",
    "organismType",
    "hasDetectionMethod",
)
RANGES = {
    "decisionDateFrom": ("decisionDate", ">="),
    "decisionDateTo": ("decisionDate", "<="),
    "updatedFrom": ("updatedAt", ">="),
    "updatedTo": ("updatedAt", "<="),
}
SORTS = ("id", "updatedAt", "title", "relevance")


@dataclass
class SearchQuery:
    q: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)  # OR within, AND across fields
    facets: list[str] = field(default_factory=list)
    sort: str | None = None  # id (default), updatedAt, title, relevance; "-" = descending
    cursor: str | None = None
    limit: int = 50
    lang: str = "en"
    include_total: bool = False
    principal: Principal = ANONYMOUS


@dataclass(frozen=True)
class Filter:
    kind: str  # range, column, lmoUid, detection, facet
    name: str  # as the client wrote it
    stored: str  # the indexed field (ALIASES applied)
    values: list[str]


@dataclass
class SearchResult:
    items: list[DocumentRow]
    next: str | None
    total: int | None
    facets: dict[str, list[tuple[str, int]]]  # value -> count, most frequent first


class SearchService:
    def __init__(self, store: RecordStore, registry: RealmRegistry, index: LiveIndex | None = None):
        self.store = store
        self.registry = registry
        self.index = index  # None: every search is answered in SQL
        self._terms = sorted(term_fields(registry.all()))

    def filterable_fields(self) -> list[str]:
        """Names accepted as filters and facets (range filters: see RANGES)."""
        return sorted(set(NAMED) | set(self._terms))

    # -- the query ------------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        if not 1 <= query.limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
        sort, descending = self._sort(query)
        for name in query.facets:
            self._field(name, "facet")
        fingerprint = _fingerprint(query, sort, descending)
        filters = self.filters(query)
        position = decode_cursor(query.cursor)
        if self.index is not None and (position is None or position.get("e") == "b"):
            from bch.services.search_bitmaps import BitmapSearch

            with self.index.use() as index:
                if index is not None:
                    return BitmapSearch(self, index).search(
                        query, filters, sort, descending, fingerprint, position
                    )
        with self.store.reading() as conn:
            has_text = bool(query.q and query.q.strip())
            match = text_match(conn, query.q or "", sort == "relevance") if has_text else None
            if sort == "relevance" and match is None:
                sort = "id"
            where = self._where(filters, query.principal)
            base = select(documents.c.id).where(*where)
            if match is not None:
                base = base.join(match, match.c.document_id == documents.c.id)
            items, nxt = self.page(
                conn, query, position, where, match, sort, descending, fingerprint
            )
            total, counts = self._counts(conn, base, query.facets, query.include_total)
        return SearchResult(items, nxt, total, counts)

    def _sort(self, query: SearchQuery) -> tuple[str, bool]:
        raw = (query.sort or ("relevance" if query.q else "id")).strip()
        descending = raw.startswith("-")
        name = raw.lstrip("-+")
        if name not in SORTS:
            raise BadRequest(
                f"sort {raw!r} is not supported",
                errors=[
                    {
                        "code": "Error.InvalidParameter",
                        "path": "sort",
                        "message": "one of " + ", ".join(SORTS) + " (prefix - for descending)",
                    }
                ],
            )
        return name, descending

    def _field(self, name: str, what: str) -> str:
        if name in COLUMNS or name in ("lmoUid", "hasDetectionMethod"):
            return name
        if name in NAMED or name in self._terms:
            return ALIASES.get(name, name)
        raise BadRequest(
            f"{name!r} is not a {what} field",
            errors=[
                {
                    "code": "Error.InvalidParameter",
                    "path": name,
                    "message": "filterable fields: " + ", ".join(self.filterable_fields()),
                }
            ],
        )

    def filters(self, query: SearchQuery) -> list[Filter]:
        """The query's filters, checked (unknown fields and schemas are a 400)."""
        out: list[Filter] = []
        for name, raw_values in query.filters.items():
            values = [v.strip() for v in raw_values if v is not None and v.strip()]
            if not values:
                continue
            if name in RANGES:
                self._range(name, values[-1])  # checks the date
                day = date.fromisoformat(values[-1][:10]).isoformat()  # 20100101 -> 2010-01-01
                out.append(Filter("range", name, name, [day]))
                continue
            stored = self._field(name, "filter")
            if stored == "schema":
                known = {rt.name for rt in self.registry.all()}
                for v in values:
                    if v not in known:
                        raise BadRequest(
                            f"unknown schema {v!r}",
                            errors=[
                                {
                                    "code": "Error.InvalidParameter",
                                    "path": "schema",
                                    "message": "one of " + ", ".join(sorted(known)),
                                }
                            ],
                        )
            if stored in COLUMNS:
                upper = [v.upper() if name != "schema" else v for v in values]
                out.append(Filter("column", name, stored, upper))
            elif stored == "lmoUid":
                _lmo_uid_filter(values)  # checks the UIDs
                out.append(Filter("lmoUid", name, stored, values))
            elif stored == "hasDetectionMethod":
                flag = values[-1].lower()
                if flag not in ("true", "false"):
                    raise BadRequest("hasDetectionMethod must be true or false")
                out.append(Filter("detection", name, stored, [flag]))
            else:
                out.append(Filter("facet", name, stored, values))
        return out

    def _where(self, filters: list[Filter], principal: Principal) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [scope_filter(read_scope(principal))]
        for f in filters:
            if f.kind == "range":
                where.append(self._range(f.name, f.values[0]))
            elif f.kind == "column":
                where.append(COLUMNS[f.stored].in_(f.values))
            elif f.kind == "lmoUid":
                where.append(_lmo_uid_filter(f.values))
            elif f.kind == "detection":
                where.append(_has_detection() if f.values[0] == "true" else ~_has_detection())
            else:
                where.append(
                    documents.c.id.in_(
                        select(record_facets.c.document_id).where(
                            record_facets.c.field == f.stored, record_facets.c.value.in_(f.values)
                        )
                    )
                )
        return where

    @staticmethod
    def _range(name: str, value: str) -> ColumnElement[bool]:
        target, op = RANGES[name]
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            raise BadRequest(
                f"{name} must be a date (YYYY-MM-DD)",
                errors=[{"code": "Error.InvalidParameter", "path": name, "message": value[:40]}],
            ) from None
        if target == "updatedAt":
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if op == "<=":
                moment = moment.replace(hour=23, minute=59, second=59, microsecond=999999)
            col = documents.c.updated_at
            return col >= moment if op == ">=" else col <= moment
        iso = day.isoformat()
        cond = record_facets.c.value >= iso if op == ">=" else record_facets.c.value <= iso
        return documents.c.id.in_(
            select(record_facets.c.document_id).where(record_facets.c.field == target, cond)
        )

    # -- a page ---------------------------------------------------------------------------------
    def page(self, conn, query, position, where, match, sort, descending, fingerprint, tag=None):
        """One page in SQL (keyset on the sort key and id); `tag` is added to the next cursor."""
        title = None
        if sort == "title":
            title = (
                select(record_facets.c.document_id, record_facets.c.value)
                .where(record_facets.c.field == TITLE_SORT)
                .subquery("ts")
            )
        key = {
            "id": None,
            "updatedAt": documents.c.updated_at,
            "title": func.coalesce(title.c.value, "") if title is not None else None,
            "relevance": match.c.rank if match is not None else None,
        }[sort]
        # relevance: best (lowest rank) first unless "-relevance"
        cols = [documents, key.label("sort_key")] if key is not None else [documents]
        stmt: Select = select(*cols).where(*where)
        if match is not None:
            stmt = stmt.join(match, match.c.document_id == documents.c.id)
        if title is not None:
            stmt = stmt.outerjoin(title, title.c.document_id == documents.c.id)
        if position is not None:
            if position.get("f") != fingerprint:
                raise BadRequest(
                    "cursor belongs to another query (same q, filters and sort are needed)"
                )
            after_id = number_from_token(position.get("i"), "cursor", low=0, high=MAX_ID)
            if key is None:
                cond = documents.c.id < after_id if descending else documents.c.id > after_id
            else:
                value = _from_cursor(sort, position.get("k"))
                pair = tuple_(key, documents.c.id)
                cond = pair < (value, after_id) if descending else pair > (value, after_id)
            stmt = stmt.where(cond)
        order = [key, documents.c.id] if key is not None else [documents.c.id]
        stmt = stmt.order_by(*[c.desc() if descending else c.asc() for c in order])
        rows = list(conn.execute(stmt.limit(query.limit + 1)))
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        items = []
        for r in rows:
            m = dict(r._mapping)
            m.pop("sort_key", None)
            items.append(_doc_from(m))
        nxt = None
        if more and rows:
            last = rows[-1]._mapping
            token: dict[str, Any] = {"f": fingerprint, "i": last["id"], **(tag or {})}
            if key is not None:
                token["k"] = _to_cursor(last["sort_key"])
            nxt = encode_cursor(token)
        return items, nxt

    # -- counts ---------------------------------------------------------------------------------
    def _counts(
        self, conn: Connection, base: Select, names: list[str], with_total: bool
    ) -> tuple[int | None, dict[str, list[tuple[str, int]]]]:
        """Total and facet counts in ONE statement over the hits, materialized once; within a
        time budget (on timeout: total None, facets empty)."""
        names = list(dict.fromkeys(names))
        if not names and not with_total:
            return None, {}
        hits = base.cte("hits").prefix_with("MATERIALIZED")
        parts = [self._facet_select(hits, i, n) for i, n in enumerate(names)]
        if with_total:
            parts.append(
                select(
                    literal(-1).label("f"), literal("").label("v"), func.count().label("n")
                ).select_from(hits)
            )
        stmt = union_all(*parts) if len(parts) > 1 else parts[0]
        facets: dict[str, list[tuple[str, int]]] = {n: [] for n in names}
        total = None
        try:
            with time_budget(conn, COUNT_BUDGET):
                rows = conn.execute(stmt).all()
        except BudgetExceeded:
            return None, facets
        for f, v, n in rows:
            if f == -1:
                total = int(n)
            else:
                facets[names[f]].append((str(v) if v is not None else REFERENCE_OWNER, int(n)))
        for name in names:
            facets[name] = sorted(facets[name], key=lambda x: (-x[1], x[0]))[:FACET_SIZE]
        return total, facets

    def _facet_select(self, hits, index: int, name: str) -> Select:
        stored = self._field(name, "facet")
        tag = literal(index).label("f")
        if stored in COLUMNS:
            col = COLUMNS[stored]
            return (
                select(tag, col.label("v"), func.count().label("n"))
                .select_from(documents)
                .join(hits, hits.c.id == documents.c.id)
                .group_by(col)
            )
        if stored == "hasDetectionMethod":
            flag = case((_has_detection(), literal("true")), else_=literal("false"))
            return (
                select(tag, flag.label("v"), func.count().label("n"))
                .select_from(documents)
                .join(hits, hits.c.id == documents.c.id)
                .group_by(flag)
            )
        return (
            select(tag, record_facets.c.value.label("v"), func.count().label("n"))
            .select_from(record_facets)
            .join(hits, hits.c.id == record_facets.c.document_id)
            .where(record_facets.c.field == stored)
            .group_by(record_facets.c.value)
        )


def _lmo_uid_filter(values: list[str]) -> ColumnElement[bool]:
    """Records carrying one of the UIDs (any spelling), or referencing an LMO that does."""
    keys = []
    for v in values:
        parsed = try_parse_uid(v)
        if parsed is None:
            raise BadRequest(
                f"lmoUid {v!r} is not an OECD unique identifier",
                errors=[{"code": "Error.InvalidParameter", "path": "lmoUid", "message": v[:60]}],
            )
        keys.append(parsed.key)
    lmo_docs = select(lmo_uids.c.document_id).where(lmo_uids.c.uid_key.in_(keys))
    lmo_identifiers = select(documents.c.identifier).where(documents.c.id.in_(lmo_docs))
    referencing = select(record_links.c.source_id).where(
        record_links.c.target_identifier.in_(lmo_identifiers)
    )
    return or_(documents.c.id.in_(lmo_docs), documents.c.id.in_(referencing))


def _has_detection() -> ColumnElement[bool]:
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


def _fingerprint(query: SearchQuery, sort: str, descending: bool) -> str:
    shape = {
        "q": (query.q or "").strip(),
        "f": {k: sorted(v) for k, v in sorted(query.filters.items()) if v},
        "s": ("-" if descending else "") + sort,
    }
    raw = json.dumps(shape, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()[:12]


def _to_cursor(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _from_cursor(sort: str, value: Any) -> Any:
    try:
        if sort == "updatedAt":
            return datetime.fromisoformat(str(value))
        if sort == "relevance":
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise bad_cursor(None) from None
