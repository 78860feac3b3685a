"""The bitmap search engine: a SearchRequest answered from the in-memory index
(bch.storage.bitmap_index). The hits are a bitmap: the caller's read scope (compiled here from
the ReadScope, as bch.storage.scope compiles it to SQL) AND each filter AND each query word; the
total is its size, each facet value's count is one `intersection_cardinality`, and a page is a
slice of the hits in id order or in relevance tiers (the contract's definition). Only the page's
rows are read from the database.

Filters that are not facet bitmaps become one from a small SQL query of the SQL engine (lmoUid,
hasDetectionMethod, updatedAt ranges, identifiers, v2013 date ranges). Sorting by title or
updatedAt uses the SQL engine's page with the same request, restricted to the hits (or, above
IN_LIST_MAX hits, to the database's own full-text match); the v2013 column orders are the SQL
engine's positions (bch.storage.search.positions)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import replace

from pyroaring import BitMap
from sqlalchemy import Connection

from bch.records.identifiers import REFERENCE_OWNER
from bch.storage.bitmap_index import BitmapIndex, LiveIndex
from bch.storage.rows import DocumentRow
from bch.storage.scope import ReadScope
from bch.storage.search.contract import (
    FACET_SIZE,
    After,
    Filter,
    SearchBackend,
    SearchHits,
    SearchRequest,
)
from bch.storage.search.sql import TITLE_ROWS, SqlSearch, lmo_uid_condition, range_condition
from bch.storage.tables import documents
from bch.storage.text_tokens import LONG_WORD, OWN_WORDS, QueryWord, query_words

IN_LIST_MAX = 10_000  # ordered SQL pages with words: hits listed in SQL up to this many
COLUMN_FIELD = {"realm": "@realm", "schema": "@schema", "country": "@owner"}
MAX_ID = 2**32 - 1  # record ids in the index are 32-bit
CHECK_EVERY = 256  # facet values counted between two looks at the clock
ANSWERS_KEPT = 256  # answers kept (KeptAnswers), the least recently asked forgotten first


class NotReady(Exception):
    """The index is still being built: ask the SQL engine."""


class BitmapSearch(SearchBackend):
    name = "b"

    def __init__(self, live: LiveIndex, sql: SqlSearch):
        self.live = live
        self.sql = sql
        self.answers = KeptAnswers()

    # -- the contract ---------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchHits:
        with self.live.use() as index:
            if index is None:
                raise NotReady
            with self.sql.db.reading() as conn:
                detection: BitMap | None = None
                if "hasDetectionMethod" in request.facets or any(
                    f.kind == "detection" for f in request.filters
                ):
                    detection = BitMap(self.sql.detection_ids(conn))
                hits = self._hits(conn, index, request, detection)
                if detection is None and (kept := self.answers.get(request, index, hits)):
                    return kept
                words = query_words(request.q)
                if request.sort == "id" or (request.sort == "relevance" and not words):
                    items, after = self._page(conn, request, [hits])
                elif request.sort == "relevance":
                    items, after = self._page(conn, request, _tiers(index, hits, words))
                else:
                    where = self._sql_where(conn, request, hits)
                    items, after = self.sql.page(conn, request, where)
            facets, late = self._facets(index, request, hits, detection)
            total = len(hits) if request.include_total else None
            answer = SearchHits(items, after, total, facets, late, self.name)
            if detection is None and not late:  # detection methods change without a change
                self.answers.keep(request, index, hits, answer)
            return answer

    def hit_ids(self, request: SearchRequest) -> list[int]:
        with self.live.use() as index, self.sql.db.reading() as conn:
            if index is None:
                raise NotReady
            return list(self._hits(conn, index, request, None))

    def ordered_ids(
        self, request: SearchRequest, order: list[tuple[str, bool]], start: int, rows: int
    ) -> tuple[int, list[DocumentRow]]:
        if order:  # the SQL engine's positions: walked once per database state
            return self.sql.ordered_ids(request, order, start, rows)
        with self.live.use() as index, self.sql.db.reading() as conn:
            if index is None:
                raise NotReady
            hits = self._hits(conn, index, request, None)
            total = len(hits)
            if rows == 0 or start >= total:
                return total, []
            ids = list(hits[start : start + rows])
            found = self.sql.documents_by_ids(conn, ids)
            return total, [found[i] for i in ids if i in found]

    # -- the hits -------------------------------------------------------------------------------
    def _hits(
        self, conn: Connection, index: BitmapIndex, request: SearchRequest, detection: BitMap | None
    ) -> BitMap:
        hits = scope_bitmap(index, request.scope)
        for f in request.filters:
            if f.kind == "detection":
                detection = (
                    detection if detection is not None else BitMap(self.sql.detection_ids(conn))
                )
                hits = hits & detection if f.values[0] == "true" else hits - detection
            else:
                hits &= self._filter(conn, index, f)
        for w in query_words(request.q):
            hits &= index.matching(w)
        return hits

    def _filter(self, conn: Connection, index: BitmapIndex, f: Filter) -> BitMap:
        if f.kind == "column":
            return index.union_of(COLUMN_FIELD[f.stored], f.values)
        if f.kind == "facet":
            return index.union_of(f.stored, f.values)
        if f.kind == "ids":
            return BitMap(v for v in f.values if 0 <= v <= MAX_ID)
        if f.kind in TITLE_ROWS:  # as sql.title_rows_condition
            field = TITLE_ROWS[f.kind]

            def rows(name: str) -> BitMap:
                if f.kind != "titlePrefix":
                    return index.union_of(name, f.values)
                starts = [s for p in f.values for s in (p, LONG_WORD + p)]
                return index.union_of_prefixed(name, starts)

            own = rows(field + f.stored)
            if f.stored == "en":
                return own
            english = rows(field + "en")
            return own | (english - index.union_of(field + f.stored, [OWN_WORDS]))
        if f.kind == "title":
            found = [index.matching(w, in_titles=True) for v in f.values for w in query_words(v)]
            return BitMap.union(*found) if found else BitMap()
        if f.kind == "range" and f.name.startswith("decisionDate"):
            day, after = f.values[0][:10], f.name.endswith("From")
            chosen = [
                bm
                for value, bm in index.facet_values("decisionDate").items()
                if (value >= day if after else value <= day)
            ]
            return BitMap.union(*chosen) if chosen else BitMap()
        if f.kind == "range":
            condition = range_condition(f.name, f.values[0])
        elif f.kind == "lmoUid":
            condition = lmo_uid_condition(list(f.values))
        else:  # identifier, date: the SQL engine's condition for them
            condition = self.sql.condition(f)
        return BitMap(self.sql.ids_where(conn, condition))

    def _sql_where(self, conn: Connection, request: SearchRequest, hits: BitMap) -> list:
        """The SQL engine's conditions for the same hits: the hits themselves when they are few
        and words were asked (cheaper than the full-text match), else the request's."""
        if request.q and len(hits) <= IN_LIST_MAX:
            return [documents.c.id.in_(list(hits))]
        return self.sql.where(conn, replace(request, after=None))

    # -- counts ---------------------------------------------------------------------------------
    def _facets(
        self, index: BitmapIndex, request: SearchRequest, hits: BitMap, detection: BitMap | None
    ) -> tuple[dict[str, list[tuple[str, int]]], list[str]]:
        """Each facet's counts within its own time budget; the names of those out of time."""
        out: dict[str, list[tuple[str, int]]] = {}
        late: list[str] = []
        for name in dict.fromkeys(request.facets):
            if name == "hasDetectionMethod" and request.facet_budget > 0:
                assert detection is not None
                yes = hits.intersection_cardinality(detection)
                counts = [("true", yes), ("false", len(hits) - yes)]
            else:
                counts = _counted(
                    hits, index.facet_values(COLUMN_FIELD.get(name, name)), request.facet_budget
                )
            if counts is None:
                out[name] = []
                late.append(name)
                continue
            counts = [(v or REFERENCE_OWNER, n) for v, n in counts if n]
            out[name] = sorted(counts, key=lambda x: (-x[1], x[0]))[:FACET_SIZE]
        return out, late

    # -- a page ---------------------------------------------------------------------------------
    def _page(
        self, conn: Connection, request: SearchRequest, tiers: list[BitMap]
    ) -> tuple[list[DocumentRow], After | None]:
        """The next page of (tier, id) in order; with one tier, id order."""
        order = list(range(len(tiers)))  # tier 0 first: the most relevant
        descending = request.descending
        if descending:
            order.reverse()
        after = request.after
        after_tier = None
        if after is not None:
            after_tier = after.key if len(tiers) > 1 else 0
        first = 0
        if after_tier is not None:
            first = order.index(min(max(int(after_tier), 0), len(tiers) - 1))
        picked: list[tuple[int, int]] = []  # (tier, id)
        want = request.limit + 1
        for t in order[first:]:
            bound = after.id if after is not None and t == after_tier else None
            picked.extend((t, i) for i in _take(tiers[t], bound, want - len(picked), descending))
            if len(picked) >= want:
                break
        more = len(picked) > request.limit
        picked = picked[: request.limit]
        rows = self.sql.documents_by_ids(conn, [i for _, i in picked])
        items = [rows[i] for _, i in picked if i in rows and rows[i].deleted_at is None]
        nxt = None
        if more and picked:
            t, last = picked[-1]
            nxt = After(last, t if len(tiers) > 1 else None)
        return items, nxt


class KeptAnswers:
    """Answers kept per request and database state (issue 15 item 5: the same few searches
    asked again and again while records are published). A kept answer is given again while the
    index is the same one, the request's hits are the same records, and none of them changed
    since: the page, its order (relevance tiers, sort values), the total and the facet counts
    are functions of the hits' records only. The hits are computed each time (bitmaps, and
    the small SQL queries of some filters); what is saved is the page's rows, the tiers and the
    facet counts. Answers counting detection methods are not kept (they change without a
    change of a record), nor those whose counts ran out of time. The same answer object is
    given again: callers must not change it (surfaces may keep what they made of it by its
    identity)."""

    def __init__(self, size: int = ANSWERS_KEPT):
        self.size = size
        self._items: OrderedDict[SearchRequest, tuple[BitmapIndex, int, BitMap, SearchHits]]
        self._items = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, request: SearchRequest, index: BitmapIndex, hits: BitMap) -> SearchHits | None:
        with self._lock:
            kept = self._items.get(request)
        if kept is not None and kept[0] is index and kept[2] == hits:
            changed = index.changed_since(kept[1])
            if changed is not None and not changed.intersect(hits):
                with self._lock:
                    self.hits += 1
                    if request in self._items:
                        self._items.move_to_end(request)
                return kept[3]
        with self._lock:
            self.misses += 1
        return None

    def keep(
        self, request: SearchRequest, index: BitmapIndex, hits: BitMap, answer: SearchHits
    ) -> None:
        with self._lock:
            self._items[request] = (index, index.seq, hits, answer)
            self._items.move_to_end(request)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _counted(hits: BitMap, values: dict[str, BitMap], budget: float) -> list | None:
    """(value, count) of every value, or None when `budget` seconds ran out first."""
    if budget <= 0:
        return None
    deadline = time.monotonic() + budget
    counts = []
    for k, (value, bm) in enumerate(values.items()):
        if k % CHECK_EVERY == CHECK_EVERY - 1 and time.monotonic() > deadline:
            return None
        counts.append((value, hits.intersection_cardinality(bm)))
    return counts


def scope_bitmap(index: BitmapIndex, scope: ReadScope) -> BitMap:
    """The live records a ReadScope lets the caller read, as a bitmap."""
    out = BitMap(index.live)
    if scope.owners is not None:
        out &= index.union_of("@owner", scope.owners)
    if scope.schemas is not None:
        out &= index.union_of("@schema", scope.schemas)
    if scope.hidden_owners:
        out -= index.union_of("@owner", scope.hidden_owners)
    if scope.hidden_schemas:
        out -= index.union_of("@schema", scope.hidden_schemas)
    return out


def _tiers(index: BitmapIndex, hits: BitMap, words: list[QueryWord]) -> list[BitMap]:
    """Hits split by tier (bch.storage.text_tokens.title_tier): index t holds the hits whose
    title misses t of the query words."""
    n = len(words)
    at_least = [hits] + [BitMap() for _ in range(n)]
    for w in words:
        in_title = hits & index.matching(w, in_titles=True)
        if not in_title:
            continue
        for k in range(n, 0, -1):
            at_least[k] |= at_least[k - 1] & in_title
    exact = [at_least[k] - at_least[k + 1] for k in range(n)] + [at_least[n]]
    return list(reversed(exact))


def _take(ids: BitMap, after: int | None, count: int, descending: bool) -> list[int]:
    """Up to `count` ids of the bitmap after `after` (before it when descending), in order."""
    if count <= 0 or not ids:
        return []
    if after is not None:
        after = min(after, MAX_ID)
    if not descending:
        start = 0 if after is None else ids.rank(after)
        return list(ids[start : start + count])
    end = len(ids) if after is None else (ids.rank(after - 1) if after > 0 else 0)
    return list(reversed(ids[max(0, end - count) : end]))
