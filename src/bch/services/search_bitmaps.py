"""A search answered from the in-memory bitmap index (bch.storage.bitmap_index): the hits are a
bitmap (live records AND each filter AND each query word), the total is its size, each facet
value's count is one `intersection_cardinality`, and a page is a slice of the hits in id order
or in relevance tiers. Only the page's rows are read from the database.

Relevance: records whose display title contains more of the query's words come first (every
hit contains every word somewhere); ties in id order. The tier is an integer, so a relevance
cursor stays valid while records are added or changed.

Filters that are not facet bitmaps are turned into one: record ids from a small SQL query
(lmoUid, hasDetectionMethod, updatedAt ranges). Sorting by title or updatedAt uses the SQL page
with the same filters, restricted to the hits (or, above IN_LIST_MAX hits, to the database's own
full-text match); the counts still come from the bitmaps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyroaring import BitMap
from sqlalchemy import Connection, select, union

from bch.records.identifiers import REFERENCE_OWNER
from bch.services.cursors import encode_cursor
from bch.services.errors import BadRequest
from bch.services.numbers import number_from_token
from bch.services.search import (
    FACET_SIZE,
    Filter,
    SearchQuery,
    SearchResult,
    SearchService,
    _lmo_uid_filter,
)
from bch.storage.bitmap_index import BitmapIndex
from bch.storage.repository import _doc_from
from bch.storage.search_index import text_match
from bch.storage.tables import detection_method_lmos, documents, lmo_uids, record_facets
from bch.storage.text_tokens import query_words

TAG = {"e": "b"}  # marks cursors of this engine
IN_LIST_MAX = 10_000  # title/updatedAt pages with words: hits listed in SQL up to this many
COLUMN_FIELD = {"realm": "@realm", "schema": "@schema", "country": "@owner"}


class BitmapSearch:
    def __init__(self, service: SearchService, index: BitmapIndex):
        self.service = service
        self.index = index

    def search(
        self,
        query: SearchQuery,
        filters: list[Filter],
        sort: str,
        descending: bool,
        fingerprint: str,
        position: dict[str, Any] | None,
    ) -> SearchResult:
        words = query_words(query.q or "")
        if sort == "relevance" and not words:
            sort = "id"
        with self.service.store.reading() as conn:
            detection: BitMap | None = None
            hits = BitMap(self.index.live)
            for f in filters:
                if f.kind == "detection":
                    detection = detection if detection is not None else _detection_ids(conn)
                hits &= self._filter(conn, f, detection, hits)
            for w in words:
                hits &= self.index.matching(w)
            if sort in ("id", "relevance"):
                items, nxt = self._page(
                    conn, query, hits, words, sort, descending, fingerprint, position
                )
            else:
                where = self.service._where(filters, query.principal)
                match = None
                if words and len(hits) <= IN_LIST_MAX:  # exactly the hits
                    where.append(documents.c.id.in_(list(hits)))
                elif words:  # too many to list: the database's full-text match
                    match = text_match(conn, query.q or "", False)
                items, nxt = self.service.page(
                    conn, query, position, where, match, sort, descending, fingerprint, TAG
                )
            if "hasDetectionMethod" in query.facets and detection is None:
                detection = _detection_ids(conn)
        counts = {name: self._facet(name, hits, detection) for name in dict.fromkeys(query.facets)}
        total = len(hits) if query.include_total else None
        return SearchResult(items, nxt, total, counts)

    # -- filters --------------------------------------------------------------------------------
    def _filter(
        self, conn: Connection, f: Filter, detection: BitMap | None, hits: BitMap
    ) -> BitMap:
        if f.kind == "column":
            return self.index.union_of(COLUMN_FIELD[f.stored], f.values)
        if f.kind == "facet":
            return self.index.union_of(f.stored, f.values)
        if f.kind == "detection":
            assert detection is not None
            return detection if f.values[0] == "true" else hits - detection
        if f.kind == "lmoUid":
            return _ids(conn, select(documents.c.id).where(_lmo_uid_filter(f.values)))
        # ranges
        if f.name.startswith("decisionDate"):
            day = f.values[0][:10]
            after = f.name.endswith("From")
            chosen = [
                bm
                for value, bm in self.index.facet_values("decisionDate").items()
                if (value >= day if after else value <= day)
            ]
            return BitMap.union(*chosen) if chosen else BitMap()
        cond = self.service._range(f.name, f.values[0])
        return _ids(conn, select(documents.c.id).where(cond))

    # -- counts -------------------------------------------------------------------------------
    def _facet(self, name: str, hits: BitMap, detection: BitMap | None) -> list[tuple[str, int]]:
        stored = self.service._field(name, "facet")
        if stored == "hasDetectionMethod":
            assert detection is not None
            yes = hits.intersection_cardinality(detection)
            counts = [("true", yes), ("false", len(hits) - yes)]
        else:
            values = self.index.facet_values(COLUMN_FIELD.get(stored, stored))
            counts = [(v, hits.intersection_cardinality(bm)) for v, bm in values.items()]
        counts = [(v or REFERENCE_OWNER, n) for v, n in counts if n]
        return sorted(counts, key=lambda x: (-x[1], x[0]))[:FACET_SIZE]

    # -- a page ---------------------------------------------------------------------------------
    def _page(self, conn, query, hits, words, sort, descending, fingerprint, position):
        tiers = self._tiers(hits, words) if sort == "relevance" else [hits]
        order = list(range(len(tiers)))  # tier 0 first: the most relevant
        if descending:
            order.reverse()
        after_tier, after_id = None, None
        if position is not None:
            if position.get("f") != fingerprint:
                raise BadRequest(
                    "cursor belongs to another query (same q, filters and sort are needed)"
                )
            # record ids in the index are 32-bit; relevance tiers are 0 to 64
            after_id = number_from_token(position.get("i"), "cursor", low=0, high=2**32 - 1)
            after_tier = number_from_token(position.get("k", 0), "cursor", low=0, high=64)
        first = 0
        if after_tier is not None:
            first = order.index(min(max(after_tier, 0), len(tiers) - 1))
        picked: list[tuple[int, int]] = []  # (tier, id)
        want = query.limit + 1
        for t in order[first:]:
            bound = after_id if t == after_tier else None
            picked.extend((t, i) for i in _take(tiers[t], bound, want - len(picked), descending))
            if len(picked) >= want:
                break
        more = len(picked) > query.limit
        picked = picked[: query.limit]
        rows = {
            r.id: r
            for r in conn.execute(
                select(documents).where(
                    documents.c.id.in_([i for _, i in picked]), documents.c.deleted_at.is_(None)
                )
            )
        }
        items = [_doc_from(dict(rows[i]._mapping)) for _, i in picked if i in rows]
        nxt = None
        if more and picked:
            t, last = picked[-1]
            token: dict[str, Any] = {"f": fingerprint, "i": last, **TAG}
            if sort == "relevance":
                token["k"] = t
            nxt = encode_cursor(token)
        return items, nxt

    def _tiers(self, hits: BitMap, words: Sequence) -> list[BitMap]:
        """Hits split by how many query words their title contains: most first."""
        n = len(words)
        at_least = [hits] + [BitMap() for _ in range(n)]
        for w in words:
            in_title = hits & self.index.matching(w, in_titles=True)
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
    if not descending:
        start = 0 if after is None else ids.rank(after)
        return list(ids[start : start + count])
    end = len(ids) if after is None else (ids.rank(after - 1) if after > 0 else 0)
    return list(reversed(ids[max(0, end - count) : end]))


def _ids(conn: Connection, stmt) -> BitMap:
    return BitMap(conn.execute(stmt).scalars())


def _detection_ids(conn: Connection) -> BitMap:
    """Records with a detection method: linked by UID, or stated in the record itself."""
    linked = select(lmo_uids.c.document_id).join(
        detection_method_lmos, detection_method_lmos.c.uid_key == lmo_uids.c.uid_key
    )
    stated = select(record_facets.c.document_id).where(
        record_facets.c.field == "detectionMethodInRecord"
    )
    return BitMap(conn.execute(union(linked, stated)).scalars())
