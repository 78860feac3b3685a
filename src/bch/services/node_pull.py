"""A national node's pull (issue 12): bootstrap from the central's bulk dumps, then follow its
change feed.

The pull streams the bulk dump of every mirrored schema (GET /api/v1/export/{schema}.ndjson.gz:
decompressed and parsed line by line, applied in batches: memory stays bounded), then follows
the change feed from the first dump's snapshot sequence (its `_meta`).
Every record goes through RecordService.mirror, the write path of a publish (derived rows,
search index, the node's own change sequence), keeping the central's documentID and revision;
a revision already here changes nothing, so replaying any part is harmless. The cursor (the
last central sequence applied, and each schema whose dump was applied whole) is written in the
same transaction as the records it covers: a node killed at any point resumes from its last
commit. A malformed or truncated answer is an error like an unreachable central: nothing of it
is applied.

Bootstrap speed (issue 12: a million records): the dump's records are derived and inserted a
batch at a time (RecordService.mirror_many), the referenced records read once per bootstrap
(LookupMemo), and SQLite's full-text index is rebuilt once in the transaction that ends the
bootstrap instead of by a trigger per record (RecordRepository.defer_text_index); the central's
times and warnings are written with the new rows (no UPDATE after), and the next batch is read
and parsed by a second thread while one is written (read_ahead). The node asks
for the dumps with derived rows (`{schema}.derived.ndjson.gz`): when their fingerprint is its
own (bch.services.derived_dump), the central's rows are inserted as they are and nothing is
derived here; otherwise (another version, a central without them) it derives them and says so
in `bch node status` ("derived rows") and the log."""

from __future__ import annotations

import logging
import queue
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import httpx
import orjson

from bch.records.identifiers import REFERENCE_OWNER, parse_record_uid
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.services import derived_dump
from bch.services.node_central import (
    MIRROR_BY,
    CentralError,
    SyncReport,
    answer_json,
    central_stamp,
    now,
    settle,
    settle_item,
    wanted,
)
from bch.services.node_history import NodeHistory
from bch.services.node_tables import NodeTables, TablesRefused
from bch.services.record_lookups import LookupMemo
from bch.services.records import RecordService
from bch.services.unit_of_work import Transaction, UnitOfWork
from bch.storage.database import Database
from bch.storage.mirror_stamps import CentralStamp
from bch.storage.node_state import NodeState, NodeStateRepository

log = logging.getLogger("bch.node")

BATCH = 2000  # dump records applied per transaction
FEED_PAGE = 200  # change feed entries per request

Progress = Callable[[str, int], None] | None


class NodePull:
    def __init__(
        self,
        db: Database,
        repo: NodeStateRepository,
        records: RecordService,
        uow: UnitOfWork,
        registry: RealmRegistry,
        tables: NodeTables | None = None,
        history: NodeHistory | None = None,
    ):
        self.db = db
        self.repo = repo
        self.records = records
        self.uow = uow
        self.registry = registry
        self.tables = tables  # None: never the central's table snapshot (BCH_NODE_BOOTSTRAP)
        self.history = history  # the central's older revisions (None: not copied)

    def state(self) -> NodeState | None:
        with self.db.reading() as conn:
            return self.repo.get(conn)

    def pull(
        self, client: httpx.Client, report: SyncReport, on_progress: Progress, sole: bool = False
    ) -> None:
        """Bootstrap if not done yet, then follow the feed until it is empty. `sole`: see
        NodeTables.bootstrap."""
        state = self.state()
        assert state is not None
        if state.phase == "bootstrap":
            self.bootstrap(client, state, report, on_progress, sole=sole)
        self.follow(client, report, on_progress)

    def copy_history(
        self, client: httpx.Client, report: SyncReport, on_progress: Progress = None
    ) -> None:
        """Copy the central's older revisions (bch.services.node_history) a few seconds at a
        time, the feed followed again between them (a publish still arrives within seconds).
        After the push (NodeSync.sync_once): national records never wait for the history."""
        while self.history is not None:
            state = self.state()
            assert state is not None
            if not self.history.copy(client, state, on_progress):
                break
            self.follow(client, report, on_progress)

    # -- pull: bootstrap ----------------------------------------------------------------------------
    def bootstrap(
        self,
        client: httpx.Client,
        state: NodeState,
        report: SyncReport,
        on_progress: Callable[[str, int], None] | None,
        *,
        sole: bool = False,
    ) -> None:
        if self._from_tables(client, state, report, on_progress, sole):
            return
        offered = answer_json(client.get("/api/v1/export"), "/api/v1/export").get("items")
        if not isinstance(offered, list):
            raise CentralError("the central's /api/v1/export lists no dumps")
        offered.sort(key=_load_order)
        memo = LookupMemo()  # referenced records read once for the whole bootstrap
        with self.uow() as tx:  # the full-text index is rebuilt once, when the last dump is in
            self.records.store.defer_text_index(tx.conn)
        for entry in offered:
            schema = entry.get("schema") if isinstance(entry, dict) else None
            if not isinstance(schema, str) or schema in state.bootstrapped:
                continue
            if state.schemas and schema not in state.schemas:
                continue
            try:
                self.registry.record_type(schema)
            except UnknownSchema:
                continue  # a record type this version does not know
            report.bootstrapped[schema] = self.load_dump(client, state, schema, on_progress, memo)
            state = self.state() or state
        with self.uow() as tx:
            current = self.repo.get(tx.conn)
            assert current is not None
            self.records.store.restore_text_index(tx.conn)
            self.repo.update(tx.conn, phase="following", cursor=current.feed_from or 0)

    def _from_tables(
        self,
        client: httpx.Client,
        state: NodeState,
        report: SyncReport,
        on_progress: Progress,
        sole: bool,
    ) -> bool:
        """Bootstrap from the central's table snapshot (bch.services.node_tables) when it can
        serve; else note why the dumps are used (`bootstrap_mode`) and return False."""
        if state.bootstrap_mode is not None and state.bootstrap_mode.startswith("dumps"):
            return False  # decided at the bootstrap's start
        if self.tables is None:
            why: str | None = "BCH_NODE_BOOTSTRAP=dumps"
        else:
            why = self.tables.refusal(state)
        if why is None:
            assert self.tables is not None
            try:
                self.tables.bootstrap(client, state, report, on_progress, sole=sole)
                return True
            except TablesRefused as exc:
                why = str(exc)
        log.info("the node bootstraps from the dumps: %s", why)
        with self.uow() as tx:
            self.repo.update(tx.conn, bootstrap_mode=f"dumps: {why}")
        return False

    def load_dump(
        self,
        client: httpx.Client,
        state: NodeState,
        schema: str,
        on_progress: Callable[[str, int], None] | None,
        memo: LookupMemo | None = None,
    ) -> int:
        """Apply the dump of `schema`: with the central's derived rows when they are what this
        node would derive (derived_dump.matches), else deriving them here."""
        refused = self._derived_refused(state)
        paths = [f"/api/v1/export/{schema}.ndjson.gz"]
        if refused is None:
            paths.insert(0, f"/api/v1/export/{schema}.derived.ndjson.gz")
        for path in paths:
            with client.stream("GET", path) as response:
                if response.status_code == 404 and path != paths[-1]:
                    refused = "the central offers no dumps with derived rows"
                    continue  # a central of an earlier version: its plain dump
                if response.status_code != 200:
                    raise CentralError(f"GET {path}: HTTP {response.status_code}")
                return self._apply_dump(response, path, state, schema, on_progress, memo, refused)
        raise AssertionError("unreachable: the plain dump is the last path")

    def _derived_refused(self, state: NodeState) -> str | None:
        """Why this node cannot insert the central's derived rows as they are, or None. A node
        mirroring some record types only may lack the LMOs and organisms a record borrows
        search words from: the central's rows would hold words its own search cannot derive."""
        lenders = {"modifiedOrganism", "organism"}
        if state.schemas and not lenders <= set(state.schemas):
            return "the node mirrors some record types only, not the LMOs and organisms"
        return None

    def _apply_dump(
        self,
        response: httpx.Response,
        path: str,
        state: NodeState,
        schema: str,
        on_progress: Progress,
        memo: LookupMemo | None,
        refused: str | None,
    ) -> int:
        lines = gunzip_lines(response.iter_bytes())
        first = next(lines, None)
        if first is None:
            raise CentralError(f"{path}: empty answer")
        item = _json_line(first, path)
        if not isinstance(item, dict) or "_meta" not in item:
            raise CentralError(f"{path}: the first line is not the dump's _meta")
        self._feed_from(state, item["_meta"], path)
        refused = refused or derived_dump.matches(item["_meta"])
        self._note_derived(state, schema, refused)
        applied = 0
        # the next batch is read and parsed by another thread while this one is written (SQLite
        # and zlib let go of the GIL): the two cores at work; batches commit in the same order
        batches = read_ahead(_batches(lines, path, state, schema, with_rows=refused is None))
        for batch, stamps, derived, last in batches:
            applied += self.apply_batch(
                batch,
                done_schema=schema if last else None,  # the last batch and the schema's end
                memo=memo,
                derived=derived,
                stamps=stamps,
            )
            if on_progress:
                on_progress(schema, applied)
        return applied

    def _note_derived(self, state: NodeState, schema: str, refused: str | None) -> None:
        """Say where the derived rows come from (`bch node status`, the log)."""
        if refused is None:
            note = f"central (fingerprint {derived_dump.fingerprint()[:12]})"
        else:
            note = f"derived here: {refused}"
            log.warning("%s: the node derives the rows itself: %s", schema, refused)
        if state.derived_from != note:
            with self.uow() as tx:
                self.repo.update(tx.conn, derived_from=note)

    def _feed_from(self, state: NodeState, meta: Any, path: str) -> None:
        """The feed is followed from the snapshot of the first dump: every later dump is taken
        after it, and replaying what a dump already holds changes nothing. (Not /readyz: a
        central builds its search index in that request, minutes on a large database.)"""
        sequence = meta.get("sequence") if isinstance(meta, dict) else None
        if not isinstance(sequence, int) or sequence < 0:
            raise CentralError(f"{path}: the dump's _meta gives no change sequence")
        if state.feed_from is not None:
            return
        with self.uow() as tx:
            current = self.repo.get(tx.conn)
            if current is not None and current.feed_from is None:
                self.repo.update(tx.conn, feed_from=sequence, central_seen_at=now())

    def apply_batch(
        self,
        batch: list[tuple[dict[str, Any], int, int]],
        done_schema: str | None = None,
        memo: LookupMemo | None = None,
        derived: dict[str, dict[str, Any]] | None = None,
        stamps: Sequence[CentralStamp] = (),
    ) -> int:
        with self.uow() as tx:  # the central's times and warnings written with the rows
            changed = self.records.mirror_many(
                tx, batch, by=MIRROR_BY, memo=memo, derived=derived, stamps=stamps
            )
            if done_schema is not None:
                state = self.repo.get(tx.conn)
                assert state is not None
                done = sorted({*state.bootstrapped, done_schema})
                self.repo.update(tx.conn, bootstrapped=done)
            revisions = {str(d["header"]["identifier"]): r for d, _i, r in batch}
            for item in self.repo.waiting_among(tx.conn, list(revisions)):  # one query a batch
                settle_item(self.repo, tx.conn, item, revisions[item.identifier])
        return changed

    def stamp(self, tx: Transaction, stamps: Sequence[CentralStamp]) -> None:
        """Where the bootstrap and the change feed meet: the revisions just written (whichever
        way: derived here or not) take the central's createdAt, publishedAt/updatedAt and
        warnings, in the same transaction (bch.storage.mirror_stamps)."""
        self.records.store.stamp_mirrored(tx.conn, stamps)

    # -- pull: the change feed ----------------------------------------------------------------------
    def follow(
        self,
        client: httpx.Client,
        report: SyncReport,
        on_progress: Callable[[str, int], None] | None,
    ) -> None:
        while True:
            state = self.state()
            assert state is not None
            path = "/api/v1/changes"
            page = answer_json(
                client.get(path, params={"since": state.cursor, "limit": FEED_PAGE}), path
            )
            entries, sequence = _feed_page(page, state.cursor)
            if not entries:
                with self.uow() as tx:
                    self.repo.update(
                        tx.conn,
                        central_sequence=max(sequence, state.cursor),
                        central_seen_at=now(),
                        last_success_at=now(),
                        last_error=None,
                    )
                return
            # the bodies are read before the transaction (no lock held while the line is slow)
            bodies: dict[int, tuple[dict[str, Any], CentralStamp] | None] = {}
            for e in entries:
                if e["action"] == "publish" and wanted(state, e["schema"], e["country"]):
                    bodies[e["seq"]] = self.revision(client, e)
            with self.uow() as tx:
                for e in entries:
                    if not wanted(state, e["schema"], e["country"]):
                        report.skipped += 1
                        continue
                    if e["action"] == "delete":
                        stone = e.get("tombstone") or {}
                        done = self.records.mirror_delete(
                            tx,
                            e["identifier"],
                            e["revision"],
                            reason=str(stone.get("reason") or "deleted on the central"),
                            by=MIRROR_BY,
                            absent=(e["uid"], e["schema"]),
                        )
                        if e["at"] is not None:  # the central's time of the deletion
                            self.records.store.stamp_mirrored_deletion(
                                tx.conn, e["docId"], e["revision"], e["at"]
                            )
                    else:
                        body = bodies.get(e["seq"])
                        done = body is not None and self.records.mirror(
                            tx, body[0], e["docId"], e["revision"], by=MIRROR_BY
                        )
                        if body is not None:
                            self.stamp(tx, [body[1]])
                        settle(self.repo, tx.conn, e["identifier"], e["revision"])
                    report.applied += int(done)
                    report.skipped += int(not done)
                last = entries[-1]
                self.repo.update(
                    tx.conn,
                    cursor=last["seq"],
                    applied_at=last["at"],
                    central_sequence=max(sequence, last["seq"]),
                    central_seen_at=now(),
                )
            if on_progress:
                on_progress("changes", entries[-1]["seq"])

    def revision(
        self, client: httpx.Client, entry: dict[str, Any]
    ) -> tuple[dict[str, Any], CentralStamp] | None:
        """The document of a published revision and what the central says of it (times,
        warnings); None when it is gone meanwhile (deleted on the central: its deletion follows
        in the feed)."""
        response = client.get(entry["url"])
        if response.status_code in (404, 410):
            return None
        body = answer_json(response, entry["url"])
        document = body.get("document")
        if not isinstance(document, dict) or not isinstance(document.get("header"), dict):
            raise CentralError(f"{entry['url']}: no record document in the answer")
        if document["header"].get("identifier") != entry["identifier"]:
            raise CentralError(f"{entry['url']}: the document is not {entry['identifier']}")
        return document, central_stamp(body, entry["docId"], entry["revision"], entry["url"])


# records that others borrow search facets from (an LMO its organism's type) are loaded first
FIRST = ("organism", "organization", "contact", "dnaSequence", "authority", "modifiedOrganism")


def _load_order(entry: Any) -> tuple[int, str]:
    schema = str(entry.get("schema")) if isinstance(entry, dict) else ""
    return (FIRST.index(schema) if schema in FIRST else len(FIRST), schema)


# -- a dump read ahead -----------------------------------------------------------------------------
Batch = tuple[
    list[tuple[dict[str, Any], int, int]],  # (document, documentID, revision)
    list[CentralStamp],  # what the central says of each (its times, warnings)
    dict[str, dict[str, Any]] | None,  # identifier -> the central's derived rows (None: derive)
    bool,  # the dump's last batch
]


def _batches(
    lines: Iterator[bytes], path: str, state: NodeState, schema: str, *, with_rows: bool
) -> Iterator[Batch]:
    """The records of a dump after its _meta line, checked, BATCH at a time; the last batch
    (maybe empty) says so. Touches no database: it runs in read_ahead's thread."""
    batch: list[tuple[dict[str, Any], int, int]] = []
    stamps: list[CentralStamp] = []
    derived: dict[str, dict[str, Any]] | None = {} if with_rows else None
    for line in lines:
        item = _json_line(line, path)
        record = _dump_record(item, path)
        if record is None or not wanted(state, schema, item.get("country")):
            continue
        batch.append(record)
        stamps.append(central_stamp(item, record[1], record[2], path))
        if derived is not None and (rows := derived_dump.rows_of(item)) is not None:
            derived[str(record[0]["header"]["identifier"])] = rows
        if len(batch) >= BATCH:
            yield batch, stamps, derived, False
            batch, stamps = [], []
            derived = {} if with_rows else None
    yield batch, stamps, derived, True


T = TypeVar("T")
_END = object()


def read_ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """`items`, produced by another thread up to `depth` ahead of the consumer; an exception
    raised there is raised here, in its place. When the consumer stops early (an exception, a
    closed generator) the thread stops at its next item."""
    out: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(value: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put((_END, exc))
            return
        put((_END, None))

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = out.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)  # a read of the line under way ends with its timeout


# -- the central's answers, checked ----------------------------------------------------------------
def _json_line(line: bytes, path: str) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        raise CentralError(f"{path}: a line is not JSON (truncated dump?)") from None


def gunzip_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    z = zlib.decompressobj(31)
    rest = b""
    for chunk in chunks:
        rest += z.decompress(chunk)
        *lines, rest = rest.split(b"\n")
        yield from (line for line in lines if line)
    rest += z.flush()
    if not z.eof:
        raise CentralError("the dump ended before its end (truncated)")
    for line in rest.split(b"\n"):
        if line:
            yield line


def _dump_record(item: Any, path: str) -> tuple[dict[str, Any], int, int] | None:
    if not isinstance(item, dict):
        raise CentralError(f"{path}: a line is not a record")
    uid = parse_record_uid(str(item.get("id", "")))
    document = item.get("document")
    revision = item.get("revision")
    if uid is None or not isinstance(document, dict) or not isinstance(revision, int):
        raise CentralError(f"{path}: a record without id, revision or document")
    return document, uid.document_id, revision


def _feed_page(page: dict[str, Any], cursor: int) -> tuple[list[dict[str, Any]], int]:
    """The entries of a feed page, checked: sequence numbers increasing after the cursor, each
    with what applying it needs. A malformed page is refused whole (CentralError)."""
    items = page.get("items")
    sequence = page.get("sequence")
    if not isinstance(items, list) or not isinstance(sequence, int):
        raise CentralError("change feed: a page without items or sequence")
    out = []
    last = cursor
    for e in items:
        if not isinstance(e, dict):
            raise CentralError("change feed: an entry is not an object")
        seq, action, revision = e.get("seq"), e.get("action"), e.get("revision")
        uid = parse_record_uid(str(e.get("id", "")))
        if (
            not isinstance(seq, int)
            or seq <= last
            or action not in ("publish", "delete")
            or not isinstance(revision, int)
            or uid is None
            or not isinstance(e.get("identifier"), str)
            or not isinstance(e.get("schema"), str)
            or not isinstance(e.get("url"), str)
            or not str(e["url"]).startswith("/api/v1/records/")
        ):
            raise CentralError(f"change feed: a malformed entry after {last}")
        last = seq
        country = e.get("country")
        at = _parse_time(e.get("at"))
        out.append(
            {
                **e,
                "docId": uid.document_id,
                "uid": uid,
                "country": None if uid.owner == REFERENCE_OWNER else country,
                "at": at,
            }
        )
    return out, sequence


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
