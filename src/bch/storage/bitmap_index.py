"""The in-memory search index: compressed bitmaps (Roaring, via pyroaring) of record ids per
indexed word, per title word and per facet value, so that a search intersects a few bitmaps and
counts its facets with `intersection_cardinality` instead of joining hundreds of thousands of
rows. It is derived entirely from the tables a publish writes (documents, record_facets, and
search_tokens: the index entries of bch.storage.text_tokens, the ones the SQL engine matches
too) and kept in step with them through the change sequence: before each use, the
records changed since the index's sequence are re-read (in any process: a CLI import, another
server worker), so a search always answers from committed data. Search rows rewritten without a
change (`bch db reindex`, in any process) move the `search_rows` data mark
(storage/change_mark.py): the index made before is rebuilt.

What is in memory: the ids of live records; word -> ids (see bch.storage.text_tokens);
title word -> ids (for relevance); facet field -> value -> ids, with the document columns as the
pseudo-fields `@realm`, `@schema` and `@owner`. Hidden facets (names starting with `_`, e.g.
the title sort key) are not held."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import threading
import time
from bisect import bisect_left, insort
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs
from pyroaring import BitMap
from sqlalchemy import ColumnElement, Connection, Engine, func, select

from bch.storage.change_mark import SEARCH_ROWS, latest
from bch.storage.tables import changes, documents, record_facets, search_tokens
from bch.storage.text_tokens import QueryWord, entries

log = logging.getLogger("bch.search")

CHUNK = 4_000  # record ids read per statement when building (bounds the build's memory)
SYNC_CHUNK = 1_000  # changed record ids re-read per statement when syncing
BUILD_IN_REQUEST_MAX = 50_000  # larger databases are indexed in a background thread
REBUILD_OVER = 100_000  # more changed records than this: rebuild instead of patching
CHANGES_KEPT = 1_024  # syncs remembered by `changed_since`
COLUMNS = {"@realm": documents.c.realm, "@schema": documents.c.schema, "@owner": documents.c.owner}
EMPTY = BitMap()

IdFilter = Callable[[ColumnElement], ColumnElement[bool]]


class BitmapIndex:
    def __init__(self) -> None:
        self.seq = 0
        self.mark: tuple | None = None  # change_at(seq) when the index was last synced
        self.rows_mark = 0  # the search_rows data mark it was built at (a reindex moves it)
        self.live = BitMap()
        self.words: dict[str, BitMap] = {}
        self.title_words: dict[str, BitMap] = {}
        self.facets: dict[str, dict[str, BitMap]] = {}
        self._sorted: dict[int, list[str]] = {}  # id(postings) -> its words, sorted
        # (seq before, seq after, records re-read) of the latest syncs: what changed since
        self._changes: deque[tuple[int, int, BitMap]] = deque(maxlen=CHANGES_KEPT)

    # -- building and syncing ---------------------------------------------------------------
    @classmethod
    def build(cls, conn: Connection) -> BitmapIndex:
        idx = cls()
        idx.rows_mark = latest(conn, SEARCH_ROWS)[1]  # first: a reindex meanwhile rebuilds it
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
        self._changes.append((self.seq, upto, changed))
        self.seq = upto
        self.mark = change_at(conn, upto)
        return len(ids)

    def _load(self, conn: Connection, where: IdFilter) -> None:
        words: dict[str, list[int]] = defaultdict(list)
        titles: dict[str, list[int]] = defaultdict(list)
        facets: dict[tuple[str, str], list[int]] = defaultdict(list)
        live: list[int] = []
        rows = conn.execute(
            select(documents.c.id, *COLUMNS.values()).where(
                documents.c.deleted_at.is_(None), where(documents.c.id)
            )
        )
        for r in rows:
            live.append(r.id)
            for name, value in zip(COLUMNS, r[1:], strict=True):
                facets[(name, value)].append(r.id)
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
            select(search_tokens.c.document_id, search_tokens.c.words, search_tokens.c.title).where(
                where(search_tokens.c.document_id)
            )
        )
        for doc_id, text_entries, title_entries in rows:
            if doc_id in alive:
                for word in entries(text_entries):
                    words[word].append(doc_id)
                for word in entries(title_entries):
                    titles[word].append(doc_id)
        self.live.update(live)
        self._merge(self.words, words)
        self._merge(self.title_words, titles)
        for (name, value), ids in facets.items():
            values = self.facets.setdefault(name, {})
            if value in values:
                values[value].update(ids)
            else:
                values[value] = BitMap(ids)
                ordered = self._sorted.get(id(values))
                if ordered is not None:  # kept in order (union_of_prefixed)
                    insort(ordered, value)

    def _merge(self, postings: dict[str, BitMap], new: dict[str, list[int]]) -> None:
        ordered = self._sorted.get(id(postings))
        for word, ids in new.items():
            if word in postings:
                postings[word].update(ids)
            else:
                postings[word] = BitMap(ids)
                if ordered is not None:  # kept in order: a publish's new words are few
                    insort(ordered, word)

    def _remove(self, ids: BitMap) -> None:
        """Take these records out of every posting. Only live records are in the postings
        (`_load` adds live ones, this removes them all), so a new record costs nothing; a
        changed one costs a look at every posting (issue 15: it was paid for the new records
        of every publish, by the next search)."""
        ids = ids & self.live
        if not ids:
            return
        self.live -= ids
        for postings in (self.words, self.title_words, *self.facets.values()):
            ordered = self._sorted.get(id(postings))
            for key in [k for k, bm in postings.items() if bm.intersect(ids)]:
                postings[key] -= ids
                if not postings[key]:
                    del postings[key]
                    if ordered is not None:
                        del ordered[bisect_left(ordered, key)]

    def changed_since(self, seq: int) -> BitMap | None:
        """The records changed after change `seq` up to the index's own (None: it does not
        remember back so far)."""
        out, reached = BitMap(), self.seq
        for before, upto, ids in reversed(self._changes):
            if upto <= seq:
                break
            out |= ids
            reached = before
        return out if reached <= seq else None

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

    def union_of_prefixed(self, name: str, prefixes: Iterable[str]) -> BitMap:
        """Records with a value of facet `name` that starts with one of `prefixes` (its values
        kept sorted: a range of them, as the SQL engine's index range)."""
        values = self.facets.get(name)
        if values is None:  # never a temporary dict: the sorted lists are kept by its id
            return BitMap()
        found = [bm for p in prefixes for bm in self._prefixed(values, p)]
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


def last_change(conn: Connection) -> tuple | None:
    """change_at(last_sequence) in one query."""
    row = conn.execute(
        select(changes.c.seq, changes.c.document_id, changes.c.revision, changes.c.at)
        .order_by(changes.c.seq.desc())
        .limit(1)
    ).first()
    return tuple(row) if row is not None else None


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

    def __init__(
        self,
        engine: Engine,
        snapshot: Path | None = None,
        head: Callable[[], Hashable] | None = None,
    ):
        self.engine = engine
        self.snapshot = snapshot  # where a large index is saved between runs (None: never)
        # the latest change as storage/change_mark.LatestChange reads it (tens of microseconds,
        # no SQLAlchemy connection): while it stays what it was when the index was last found
        # up to date, nothing was committed since and the index is not looked at again
        self.head = head
        self._synced: tuple[BitmapIndex, Hashable] | None = None  # (index, head) up to date
        self._lock = threading.Lock()  # held to bring the index up to date, never to read it
        self._idle = threading.Condition(self._lock)  # no search reads the index any more
        self._readers = 0
        self._mine = threading.local()  # how many uses this thread is inside
        self._index: BitmapIndex | None = None
        self._builder: threading.Thread | None = None
        self.built_in: float | None = None
        self.origin: str | None = None  # built, or loaded from the snapshot

    @property
    def status(self) -> str:
        if self._index is not None:
            return "ready"
        return "building" if self._builder is not None else "not built"

    @property
    def applied(self) -> int | None:
        """The last change sequence number the index has applied (None: not built)."""
        index = self._index
        return index.seq if index is not None else None

    def invalidate(self) -> None:
        """Forget the index and its snapshot (after a reindex rewrote the derived rows without
        new changes)."""
        with self._lock:
            self._index = None
            discard_snapshot(self.snapshot)

    @contextmanager
    def use(self) -> Iterator[BitmapIndex | None]:
        """The index, brought up to date first, for reading: searches read it at the same
        time (issue 15: one search at a time made the load's p99); a change is applied only
        when no search is reading (the next searches wait for it, then read the new state)."""
        nested = getattr(self._mine, "reading", 0)
        with self._lock:
            try:
                if not nested:  # a thread reading already would wait for itself
                    self._sync_or_start()
            except Exception:  # a half-applied change must not be searched: answer from SQL
                log.exception("the search index could not be brought up to date; rebuilding")
                self._index = None
            index = self._index
            self._readers += 1
        self._mine.reading = nested + 1
        try:
            yield index
        finally:
            self._mine.reading = nested
            with self._lock:
                self._readers -= 1
                if not self._readers:
                    self._idle.notify_all()

    def start(self) -> str:
        """Start building the index in a background thread if it is neither built nor being
        built, and return its status at once (never builds in the caller's thread: what a
        readiness probe asks, whatever the database's size). A search holding the lock (it
        may be building a small index in its own request) is not waited for."""
        if not self._lock.acquire(blocking=False):
            return "ready" if self._index is not None else "building"
        try:
            if self._index is None and self._builder is None:
                self._builder = threading.Thread(
                    target=self._build_in_background, name="bch-search-index", daemon=True
                )
                self._builder.start()
            return self.status
        finally:
            self._lock.release()

    def _sync_or_start(self) -> None:
        head = self.head() if self.head is not None else None
        if self._synced is not None and self._synced == (self._index, head):
            return  # nothing committed since the index was last found up to date
        self._sync_to_latest()
        if self.head is not None and self._index is not None:
            self._synced = (self._index, head)  # read before: the index is at least that new

    def _sync_to_latest(self) -> None:
        while self._index is not None:
            with self.engine.connect() as conn:
                # one query when nothing changed (every search)
                last, rows_mark = latest(conn, SEARCH_ROWS)
                if last == self._index.mark and rows_mark == self._index.rows_mark:
                    break
                if self._readers:  # searches read the index: wait, then look again
                    conn.close()
                    self._idle.wait()
                    continue
                upto = last[0] if last else 0
                moved_on = change_at(conn, self._index.seq) == self._index.mark
                reindexed = rows_mark != self._index.rows_mark
                if reindexed or not moved_on or upto - self._index.seq > REBUILD_OVER:
                    self._index = None  # reindexed, reset, restored, or far behind: rebuild
                else:
                    self._index.apply_changes(conn, upto)
                break
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

    def _build(self) -> None:
        start = time.perf_counter()
        with self.engine.connect() as conn:
            index = BitmapIndex.build(conn)
        self._index = index
        self.built_in = time.perf_counter() - start
        self.origin = "built"
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
                index = self._from_snapshot(conn)
                built = index is None
                if index is None:
                    index = BitmapIndex.build(conn)
            if built and self.snapshot is not None:
                save_snapshot(index, self.snapshot)
            with self._lock:
                with self.engine.connect() as conn:
                    upto = last_sequence(conn)
                    if upto > index.seq:
                        index.apply_changes(conn, upto)
                self._index = index
                self.built_in = time.perf_counter() - start
                self.origin = "built" if built else "snapshot"
            log.info(
                "search index %s in the background in %.1f s",
                "built" if built else "loaded from its snapshot",
                self.built_in,
            )
        except Exception:  # keep serving from SQL; the next use tries again
            log.exception("building the search index failed")
        finally:
            self._builder = None

    def _from_snapshot(self, conn: Connection) -> BitmapIndex | None:
        """The saved index, when it belongs to this database's history and is not too far
        behind; None otherwise (then it is rebuilt)."""
        if self.snapshot is None or not self.snapshot.exists():
            return None
        index = load_snapshot(self.snapshot)
        if index is None or change_at(conn, index.seq) != index.mark:
            return None
        if latest(conn, SEARCH_ROWS)[1] != index.rows_mark:  # saved before a reindex
            return None
        if last_sequence(conn) - index.seq > REBUILD_OVER:
            return None
        return index


SNAPSHOT_FORMAT = "bch-search-index/6"  # change when text_tokens or the layout changes


def save_snapshot(index: BitmapIndex, path: Path) -> None:
    """Write the index next to its database (atomically), so a restarted server loads it in
    seconds instead of rebuilding it; it is then brought up to date from the change feed."""
    state = (
        SNAPSHOT_FORMAT,
        index.seq,
        index.mark,
        index.live,
        index.words,
        index.title_words,
        index.facets,
        index.rows_mark,
    )
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only directory: run without a snapshot
        log.warning("could not save the search index snapshot %s: %s", path, exc)
        tmp.unlink(missing_ok=True)


def load_snapshot(path: Path) -> BitmapIndex | None:
    """The saved index, or None when the file is missing, unreadable or of another format.
    The file is written by this server in its own data directory (pickle: never load one from
    elsewhere)."""
    try:
        with open(path, "rb") as fh:
            state = pickle.load(fh)  # noqa: S301 - our own file, see above
        fmt, seq, mark, live, words, title_words, facets, rows_mark = state
    except Exception as exc:  # corrupt or foreign file: rebuild
        log.warning("ignoring the search index snapshot %s: %s", path, exc)
        return None
    if fmt != SNAPSHOT_FORMAT:
        return None
    index = BitmapIndex()
    index.seq, index.mark, index.live = seq, mark, live
    index.words, index.title_words, index.facets = words, title_words, facets
    index.rows_mark = rows_mark
    return index


def snapshot_path(engine: Engine, folder: Path | None = None) -> Path | None:
    """Next to a SQLite file (`bch.db.search-index`); for PostgreSQL in BCH_SEARCH_INDEX_DIR or
    the user's cache directory, one file per database URL."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return Path(url.database + ".search-index")
    key = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    folder = folder or Path(platformdirs.user_cache_dir("bch"))  # BCH_SEARCH_INDEX_DIR
    return Path(folder) / f"search-index-{key}"


def discard_snapshot(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)
