"""Search: the service that every surface calls (JSON API, web search, embeds, v2013). It
checks the parameters (fields, values, sort, cursor), builds a SearchRequest with the caller's
read scope (bch.services.policy.read_scope), picks the engine (the in-memory bitmap engine when
its index is ready, otherwise the SQL engine; BCH_SEARCH_INDEX=off: always SQL) and assembles
the answer. The engines and their contract are in bch.storage.search; they give the same pages
(tests/services/test_search_contract.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bch.records.oecd_uid import try_parse_uid
from bch.records.realms import RealmRegistry
from bch.services.cursors import bad_cursor, decode_cursor, encode_cursor
from bch.services.errors import BadRequest
from bch.services.facets import term_fields
from bch.services.numbers import MAX_ID, number_from_token
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.storage.bitmap_index import LiveIndex
from bch.storage.change_mark import latest
from bch.storage.database import Database
from bch.storage.read_deps import ANY, note
from bch.storage.rows import DocumentRow
from bch.storage.search.bitmaps import BitmapSearch, NotReady
from bch.storage.search.contract import (
    MAX_TIER,
    SORTS,
    After,
    Filter,
    SearchBackend,
    SearchHits,
    SearchRequest,
)
from bch.storage.search.sql import SqlSearch

MAX_LIMIT = 1000

# API names of indexed fields -> stored field (named aliases of term fields).
ALIASES = {
    "decisionType": "decisionTypes",
    "decisionResult": "decisionResult",
    "trait": "traits",
    "organismType": "organismType",
}
COLUMNS = ("realm", "schema", "country")
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


@dataclass
class SearchResult:
    items: list[DocumentRow]
    next: str | None
    total: int | None
    facets: dict[str, list[tuple[str, int]]]  # value -> count, most frequent first
    timed_out: list[str] = field(default_factory=list)  # facets (or "total") out of time


class SearchService:
    def __init__(self, db: Database, registry: RealmRegistry, index: LiveIndex | None = None):
        self.registry = registry
        self.index = index  # None: every search is answered in SQL
        self.sql = SqlSearch(db)
        self.bitmaps = BitmapSearch(index, self.sql) if index is not None else None
        self._terms = sorted(term_fields(registry.all()))

    def filterable_fields(self) -> list[str]:
        """Names accepted as filters and facets (range filters: see RANGES)."""
        return sorted(set(NAMED) | set(self._terms))

    # -- engines --------------------------------------------------------------------------------
    def backends(self) -> list[SearchBackend]:
        """The engines to ask, in order: the bitmap engine (when there is an index), then SQL."""
        return [self.bitmaps, self.sql] if self.bitmaps is not None else [self.sql]

    def run(self, request: SearchRequest, what: str = "search", *args: Any) -> Any:
        """One contract call on the first engine that can answer it now."""
        note(ANY)  # hits over every record: an answer made of them follows any change
        for backend in self.backends():
            try:
                return getattr(backend, what)(request, *args)
            except NotReady:
                continue
        raise AssertionError("the SQL engine always answers")  # pragma: no cover

    def state(self) -> tuple:
        """The latest change and the sum of the data marks (storage/change_mark.latest): answers
        made of hits and kept by a surface are valid while it stays the same (a reindex or an
        import of detection methods moves a mark, not the change sequence)."""
        with self.sql.db.reading() as conn:
            return latest(conn)

    def ordered_hits(self, request: SearchRequest, order: list[tuple[str, bool]]) -> Any:
        """Every hit's id in a column order (the SQL engine's kept positions, which the bitmap
        engine's ordered pages use too)."""
        note(ANY)
        return self.sql.ordered_hits(request, order)

    def titles(self, ids: Any) -> dict[int, Any]:
        """id -> stored title of these records (hits of a contract call)."""
        return self.sql.titles(ids)

    def documents(self, ids: list[int]) -> list[DocumentRow]:
        """The records of these ids (hits of a contract call), in that order."""
        out: list[DocumentRow] = []
        with self.sql.db.reading() as conn:
            for i in range(0, len(ids), 1000):
                part = ids[i : i + 1000]
                found = self.sql.documents_by_ids(conn, part)
                out += [found[k] for k in part if k in found]
        return out

    # -- the query ------------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        if not 1 <= query.limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
        sort, descending = self._sort(query)
        stored = {name: self._field(name, "facet") for name in query.facets}
        words = (query.q or "").strip()
        if sort == "relevance" and not words:
            sort = "id"
        fingerprint = _fingerprint(query, sort, descending)
        request = SearchRequest(
            scope=read_scope(query.principal),
            filters=tuple(self.filters(query)),
            q=words,
            facets=tuple(dict.fromkeys(stored.values())),
            sort=sort,
            descending=descending,
            after=self._after(decode_cursor(query.cursor), sort, fingerprint),
            limit=query.limit,
            include_total=query.include_total,
        )
        hits: SearchHits = self.run(request)
        nxt = None
        if hits.after is not None:
            token: dict[str, Any] = {"f": fingerprint, "i": hits.after.id, "e": hits.engine}
            if hits.after.key is not None:
                key = hits.after.key
                token["k"] = key.isoformat() if isinstance(key, datetime) else key
            nxt = encode_cursor(token)
        facets = {name: hits.facets.get(s, []) for name, s in stored.items()}
        late = [n for n, s in stored.items() if s in hits.timed_out]
        late += ["total"] if "total" in hits.timed_out else []
        return SearchResult(hits.items, nxt, hits.total, facets, late)

    @staticmethod
    def _after(position: dict[str, Any] | None, sort: str, fingerprint: str) -> After | None:
        """The decoded cursor, checked: it must belong to this query; its id and key must be
        of the form the sort gives out."""
        if position is None:
            return None
        if position.get("f") != fingerprint:
            raise BadRequest(
                "cursor belongs to another query (same q, filters and sort are needed)"
            )
        after_id = number_from_token(position.get("i"), "cursor", low=0, high=MAX_ID)
        if sort == "id":
            return After(after_id)
        value = position.get("k")
        if sort == "relevance":
            return After(after_id, number_from_token(value, "cursor", low=0, high=MAX_TIER))
        if not isinstance(value, str):
            raise bad_cursor(None)
        if sort == "updatedAt":
            try:
                return After(after_id, datetime.fromisoformat(value))
            except ValueError:
                raise bad_cursor(None) from None
        return After(after_id, value)

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
                out.append(Filter("range", name, name, (_day(name, values[-1]),)))
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
                out.append(Filter("column", name, stored, tuple(upper)))
            elif stored == "lmoUid":
                out.append(Filter("lmoUid", name, stored, tuple(_uid_keys(values))))
            elif stored == "hasDetectionMethod":
                flag = values[-1].lower()
                if flag not in ("true", "false"):
                    raise BadRequest("hasDetectionMethod must be true or false")
                out.append(Filter("detection", name, stored, (flag,)))
            else:
                out.append(Filter("facet", name, stored, tuple(values)))
        return out


def _day(name: str, value: str) -> str:
    """A range bound as YYYY-MM-DD (20100101 is read as 2010-01-01), else a 400 naming it."""
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise BadRequest(
            f"{name} must be a date (YYYY-MM-DD)",
            errors=[{"code": "Error.InvalidParameter", "path": name, "message": value[:40]}],
        ) from None


def _uid_keys(values: list[str]) -> list[str]:
    keys = []
    for v in values:
        parsed = try_parse_uid(v)
        if parsed is None:
            raise BadRequest(
                f"lmoUid {v!r} is not an OECD unique identifier",
                errors=[{"code": "Error.InvalidParameter", "path": "lmoUid", "message": v[:60]}],
            )
        keys.append(parsed.key)
    return keys


def _fingerprint(query: SearchQuery, sort: str, descending: bool) -> str:
    shape = {
        "q": (query.q or "").strip(),
        "f": {k: sorted(v) for k, v in sorted(query.filters.items()) if v},
        "s": ("-" if descending else "") + sort,
    }
    raw = json.dumps(shape, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()[:12]
