"""The in-memory search index: compressed bitmaps (Roaring, via pyroaring) of record ids per
indexed word, per title word and per facet value, so that a search intersects a few bitmaps and
counts its facets with `intersection_cardinality` instead of joining hundreds of thousands of
rows. It is derived entirely from the tables a publish writes (documents, record_facets,
search_texts) and kept in step with them through the change sequence: before each use, the
records changed since the index's sequence are re-read (in any process: a CLI import, another
server worker), so a search always answers from committed data.

What is in memory: the ids of live records; word -> ids (see bch.storage.text_tokens);
title word -> ids (for relevance); facet field -> value -> ids, with the document columns as the
pseudo-fields `@realm`, `@schema` and `@owner`. Hidden facets (names starting with `_`, e.g.
the title sort key) are not held."""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from pyroaring import BitMap
from sqlalchemy import ColumnElement, Connection, Engine, func, select

from bch.storage.tables import changes, documents, record_facets, search_texts
from bch.storage.text_tokens import QueryWord, text_tokens

log = logging.getLogger("bch.search")

CHUNK = 4_000  # record ids read per statement when building (bounds the build's memory)
SYNC_CHUNK = 1_000  # changed record ids re-read per statement when syncing
BUILD_IN_REQUEST_MAX = 50_000  # larger databases are indexed in a background thread
REBUILD_OVER = 100_000  # more changed records than this: rebuild instead of patching
COLUMNS = {"@realm": documents.c.realm, "@schema": documents.c.schema, "@owner": documents.c.owner}
EMPTY = BitMap()

IdFilter = Callable[[ColumnElement], ColumnElement[bool]]


class BitmapIndex:
    def __init__(self) -> None:
        self.seq = 0
        self.mark: tuple | None = None  # change_at(seq) when the index was last synced
        self.live = BitMap()
        self.words: dict[str, BitMap] = {}
        self.title_words: dict[str, BitMap] = {}
        self.facets: dict[str, dict[str, BitMap]] = {}
        self._sorted: dict[int, list[str]] = {}  # id(postings) -> its words, sorted

    # -- building and syncing ---------------------------------------------------------------
    @classmethod
    def build(cls, conn: Connection) -> BitmapIndex:
        idx = cls()
        idx.seq = last_sequence(conn)
        idx.mark = change_at(conn, idx.seq)
        top = conn.execute(select(func.coalesce(func.max(documents.c.id), 0))).scalar_one()
        for low in range(1, top + 1, CHUNK):
            high = low + CHUNK - 1
            idx._load(conn, lambda col, lo=low, hi=high: col.between(lo, hi))
        for postings in (idx.words, idx.title_words):
            for bm in postings.values():
                bm.run_optimize()
        return idx

    def apply_changes(self, conn: Connection, upto: int) -> int:
        """Re-read the records changed after self.seq up to `upto`; returns how many."""
        changed = BitMap(
            conn.execute(
                select(changes.c.document_id)
                .where(changes.c.seq > self.seq, changes.c.seq <= upto)
                .distinct()
            ).scalars()
        )
        self._remove(changed)
        ids = list(changed)
        for i in range(0, len(ids), SYNC_CHUNK):
            part = ids[i : i + SYNC_CHUNK]
            self._load(conn, lambda col, part=part: col.in_(part))
        self.seq = upto
        self.mark = change_at(conn, upto)
        return len(ids)

    def _load(self, conn: Connection, where: IdFilter) -> None:
        words: dict[str, list[int]] = defaultdict(list)
        titles: dict[str, list[int]] = defaultdict(list)
        facets: dict[tuple[str, str], list[int]] = defaultdict(list)
        live: list[int] = []
        rows = conn.execute(
            select(documents.c.id, documents.c.title, *COLUMNS.values()).where(
                documents.c.deleted_at.is_(None), where(documents.c.id)
            )
        )
        for r in rows:
            live.append(r.id)
            for name, value in zip(COLUMNS, r[2:], strict=True):
                facets[(name, value)].append(r.id)
            for lang, title in (r.title or {}).items():
                for word in text_tokens(lang, str(title)):
                    titles[word].append(r.id)
        if not live:
            return
        alive = set(live)
        rows = conn.execute(
            select(record_facets.c.document_id, record_facets.c.field, record_facets.c.value).where(
                where(record_facets.c.document_id),
                ~record_facets.c.field.startswith("_", autoescape=True),
            )
        )
        for doc_id, name, value in rows:
            if doc_id in alive:
                facets[(name, value)].append(doc_id)
        rows = conn.execute(
            select(search_texts.c.document_id, search_texts.c.lang, search_texts.c.content).where(
                where(search_texts.c.document_id)
            )
        )
        for doc_id, lang, content in rows:
            if doc_id in alive:
                for word in text_tokens(lang, content):
                    words[word].append(doc_id)
        self.live.update(live)
        self._merge(self.words, words)
        self._merge(self.title_words, titles)
        for (name, value), ids in facets.items():
            values = self.facets.setdefault(name, {})
            if value in values:
                values[value].update(ids)
            else:
                values[value] = BitMap(ids)

    def _merge(self, postings: dict[str, BitMap], new: dict[str, list[int]]) -> None:
        for word, ids in new.items():
            if word in postings:
                postings[word].update(ids)
            else:
                postings[word] = BitMap(ids)
                self._sorted.pop(id(postings), None)

    def _remove(self, ids: BitMap) -> None:
        if not ids:
            return
        self.live -= ids
        for postings in (self.words, self.title_words, *self.facets.values()):
            for key in [k for k, bm in postings.items() if bm.intersect(ids)]:
                postings[key] -= ids
                if not postings[key]:
                    del postings[key]
                    self._sorted.pop(id(postings), None)

    # -- reading ------------------------------------------------------------------------------
    def matching(self, word: QueryWord, in_titles: bool = False) -> BitMap:
        """Records containing the query word (in any language; in the title only if asked)."""
        postings = self.title_words if in_titles else self.words
        if word.exact:
            found = [postings.get(t, EMPTY) for t in word.exact]
            return BitMap.intersection(*found) if len(found) > 1 else BitMap(found[0])
        hits = [bm for prefix in word.prefixes for bm in self._prefixed(postings, prefix)]
        return BitMap.union(*hits) if hits else BitMap()

    def _prefixed(self, postings: dict[str, BitMap], prefix: str) -> Iterator[BitMap]:
        words = self._sorted.get(id(postings))
        if words is None:
            words = self._sorted[id(postings)] = sorted(postings)
        i = bisect_left(words, prefix)
        while i < len(words) and words[i].startswith(prefix):
            yield postings[words[i]]
            i += 1

    def facet_values(self, name: str) -> dict[str, BitMap]:
        return self.facets.get(name, {})

    def union_of(self, name: str, values: Iterable[str]) -> BitMap:
        found = [bm for v in values if (bm := self.facets.get(name, {}).get(v)) is not None]
        return BitMap.union(*found) if found else BitMap()

    def memory_bytes(self) -> int:
        """Bytes held by the bitmaps (serialized size, a close estimate of their memory)."""
        total = self.live.get_statistics()["n_bytes_array_containers"]
        for postings in (self.words, self.title_words, *self.facets.values()):
            for bm in postings.values():
                s = bm.get_statistics()
                total += (
                    s["n_bytes_array_containers"]
                    + s["n_bytes_bitset_containers"]
                    + s["n_bytes_run_containers"]
                )
        return total


def last_sequence(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one()


def change_at(conn: Connection, seq: int) -> tuple | None:
    """What identifies the change numbered `seq` (None when there is none): tells a database
    that moved on from one that was reset or restored to another state with the same number."""
    row = conn.execute(
        select(changes.c.seq, changes.c.document_id, changes.c.revision, changes.c.at).where(
            changes.c.seq == seq
        )
    ).first()
    return tuple(row) if row is not None else None


class LiveIndex:
    """One BitmapIndex kept in step with the database. `use()` yields the index synced to the
    latest committed change, or None while a large database is still being indexed in the
    background (callers then answer from SQL). Readers and the sync share one lock: bitmaps are
    not safe to read while they change, and a search holds it for milliseconds."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._lock = threading.Lock()
        self._index: BitmapIndex | None = None
        self._builder: threading.Thread | None = None
        self.built_in: float | None = None

    @property
    def status(self) -> str:
        if self._index is not None:
            return "ready"
        return "building" if self._builder is not None else "not built"

    def invalidate(self) -> None:
        """Forget the index (after a reindex rewrote the derived rows without new changes)."""
        with self._lock:
            self._index = None

    @contextmanager
    def use(self) -> Iterator[BitmapIndex | None]:
        with self._lock:
            if self._index is not None:
                with self.engine.connect() as conn:
                    upto = last_sequence(conn)
                    moved_on = change_at(conn, self._index.seq) == self._index.mark
                    if not moved_on or upto - self._index.seq > REBUILD_OVER:
                        self._index = None  # reset, restored, or too far behind: rebuild
                    elif upto > self._index.seq:
                        self._index.apply_changes(conn, upto)
            if self._index is None and self._builder is None:
                with self.engine.connect() as conn:
                    size = conn.execute(select(func.count()).select_from(documents)).scalar_one()
                if size <= BUILD_IN_REQUEST_MAX:
                    self._build()
                else:
                    self._builder = threading.Thread(
                        target=self._build_in_background, name="bch-search-index", daemon=True
                    )
                    self._builder.start()
            yield self._index

    def _build(self) -> None:
        start = time.perf_counter()
        with self.engine.connect() as conn:
            index = BitmapIndex.build(conn)
        self._index = index
        self.built_in = time.perf_counter() - start
        log.info(
            "search index: %d records, %d words, %.1f MB of bitmaps, built in %.1f s",
            len(index.live),
            len(index.words),
            index.memory_bytes() / 2**20,
            self.built_in,
        )

    def _build_in_background(self) -> None:
        start = time.perf_counter()
        try:
            with self.engine.connect() as conn:
                index = BitmapIndex.build(conn)
            with self._lock:
                with self.engine.connect() as conn:
                    upto = last_sequence(conn)
                    if upto > index.seq:
                        index.apply_changes(conn, upto)
                self._index = index
                self.built_in = time.perf_counter() - start
            log.info("search index built in the background in %.1f s", self.built_in)
        except Exception:  # keep serving from SQL; the next use tries again
            log.exception("building the search index failed")
        finally:
            self._builder = None
