"""National nodes (issue 12): a `bch` installation that mirrors the central clearing-house and
publishes its national records through it.

Pull: the first sync takes the central's sequence (GET /readyz), then streams the bulk dump of
every mirrored schema (GET /api/v1/export/{schema}.ndjson.gz: decompressed and parsed line by
line, applied in batches: memory stays bounded), then follows the change feed from that
sequence. Every record goes through RecordService.mirror, the write path of a publish (derived
rows, search index, the node's own change sequence), keeping the central's documentID and
revision; a revision already here changes nothing, so replaying any part is harmless. The
cursor (the last central sequence applied, and each schema whose dump was applied whole) is
written in the same transaction as the records it covers: a node killed at any point resumes
from its last commit. A malformed or truncated answer is an error like an unreachable central:
nothing of it is applied, the node backs off (exponential, with jitter) and keeps serving.

Push: a national record written on the node is queued in the outbox with a random idempotency
key, then sent as a draft (PUT /api/v1/drafts/{identifier}, If-Match: the central revision the
edit started from) and published (POST .../publish: published directly when the node's token
is the country's focal point's, else a publishing request), both with `Idempotency-Key`, so a
retry after any failure gets the first answer and never a second record or revision. The
published revision comes back through the feed; the outbox entry is then done. A 412 (the
record changed on the central meanwhile) marks the entry as a conflict for the node's user:
theirs, mine, or a merge by field (`resolve`); nothing is overwritten silently.

Wake-up: `GET /api/v1/changes/stream` on the central (server-sent events) wakes the loop as soon
as a change is committed there; polling every BCH_NODE_POLL_SECONDS is the fallback."""

from __future__ import annotations

import logging
import random
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from bch.records.identifiers import REFERENCE_OWNER, parse_record_uid
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.services.errors import BadRequest, Conflict, NotFound
from bch.services.records import RecordService
from bch.services.unit_of_work import UnitOfWork
from bch.storage.database import Database
from bch.storage.node_state import NodeState, NodeStateRepository, OutboxItem

log = logging.getLogger("bch.node")

BATCH = 500  # dump records applied per transaction
FEED_PAGE = 200  # change feed entries per request
MIRROR_BY = "node-sync"
PENDING = ("pending", "requested", "published")  # not yet seen back through the feed


class CentralError(Exception):
    """The central is unreachable, or answered something this node cannot use."""


@dataclass
class SyncReport:
    bootstrapped: dict[str, int] = field(default_factory=dict)  # schema -> records applied
    applied: int = 0  # feed entries that changed something here
    skipped: int = 0  # entries already here, superseded or outside what the node mirrors
    pushed: int = 0
    conflicts: int = 0
    cursor: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def backoff_delay(failures: int, base: float = 1.0, cap: float = 60.0) -> float:
    """Exponential back-off with full jitter: uniform in [0, min(cap, base * 2**failures)]."""
    return random.uniform(0, min(cap, base * 2 ** min(failures, 30)))


class NodeSync:
    def __init__(
        self,
        db: Database,
        repo: NodeStateRepository,
        records: RecordService,
        uow: UnitOfWork,
        registry: RealmRegistry,
        *,
        poll_seconds: float = 30.0,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.db = db
        self.repo = repo
        self.records = records
        self.uow = uow
        self.registry = registry
        self.poll_seconds = poll_seconds
        self.timeout = timeout
        self.transport = transport
        self.wake = threading.Event()

    # -- configuration ------------------------------------------------------------------------------
    def state(self) -> NodeState | None:
        with self.db.reading() as conn:
            return self.repo.get(conn)

    @property
    def enabled(self) -> bool:
        """A national node: its configuration is stored. A database that does not answer (or
        predates the node tables) is not a node: the app still starts, and /readyz says why."""
        try:
            return self.state() is not None
        except Exception:  # any driver error: the readiness probe reports the database
            return False

    def configure(
        self,
        central_url: str,
        country: str,
        *,
        token: str | None = None,
        schemas: list[str] | None = None,
        countries: list[str] | None = None,
    ) -> NodeState:
        url = central_url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise BadRequest(
                "central must be an http:// or https:// address",
                errors=[{"code": "Error.InvalidValue", "path": "central", "message": url}],
            )
        code = country.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise BadRequest(
                "country must be an ISO 3166 two-letter code such as CA",
                errors=[{"code": "Error.InvalidValue", "path": "country", "message": country}],
            )
        names = sorted({s.strip() for s in schemas or [] if s.strip()})
        for name in names:
            try:
                self.registry.record_type(name)
            except UnknownSchema:
                raise BadRequest(
                    f"unknown schema {name!r}",
                    errors=[{"code": "Error.UnknownSchema", "path": "schemas", "message": name}],
                ) from None
        wanted = sorted({c.strip().upper() for c in countries or [] if c.strip()})
        with self.uow() as tx:
            with self.records.store.reading() as conn:
                local = self.records.store.count_documents(conn)
            old = self.repo.get(tx.conn)
            if old is None and local:
                raise Conflict(
                    f"this database already holds {local} records: a node mirrors the central "
                    "into a database of its own (start it with `bch serve --empty`, or use a "
                    "new BCH_DATABASE_URL)"
                )
            return self.repo.configure(
                tx.conn,
                central_url=url,
                country=code,
                token=token or (old.token if old else None),
                schemas=names,
                countries=wanted,
            )

    # -- status -----------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        with self.db.reading() as conn:
            state = self.repo.get(conn)
            counts = self.repo.counts(conn) if state else {}
            records = self.records.store.count_documents(conn) if state else 0
        if state is None:
            return {"node": False}
        behind = max(0, (state.central_sequence or 0) - state.cursor)
        caught_up = state.phase == "following" and behind == 0
        since = state.last_success_at
        lag_seconds = 0.0 if caught_up and since else None
        if not caught_up and since is not None:
            lag_seconds = max(0.0, (_now() - since).total_seconds())
        return {
            "node": True,
            "central": state.central_url,
            "country": state.country,
            "schemas": state.schemas,
            "countries": state.countries,
            "phase": state.phase,
            "bootstrapped": state.bootstrapped,
            "cursor": state.cursor,
            "centralSequence": state.central_sequence,
            "lagSequence": behind if state.central_sequence is not None else None,
            "lagSeconds": lag_seconds,
            "records": records,
            "lastSuccessAt": _iso(state.last_success_at),
            "centralSeenAt": _iso(state.central_seen_at),
            "lastError": state.last_error,
            "lastErrorAt": _iso(state.last_error_at),
            "pendingPushes": sum(counts.get(s, 0) for s in PENDING),
            "conflicts": counts.get("conflict", 0),
            "refused": counts.get("refused", 0),
            "outbox": counts,
            "hasToken": bool(state.token),
        }

    # -- one round --------------------------------------------------------------------------------
    def sync_once(self, on_progress: Callable[[str, int], None] | None = None) -> SyncReport:
        """Pull (bootstrap, then the feed until it is empty), then push the outbox. A failure is
        recorded in the state (last error) and raised as CentralError."""
        state = self.state()
        if state is None:
            raise NotFound("this installation is not a node: run `bch node init` first")
        report = SyncReport()
        try:
            with self._client(state) as client:
                if state.phase == "bootstrap":
                    self._bootstrap(client, state, report, on_progress)
                self._follow(client, report, on_progress)
                self._push(client, report)
        except CentralError as exc:
            self._failed(str(exc))
            raise
        except (httpx.HTTPError, ValueError) as exc:
            self._failed(f"{type(exc).__name__}: {exc}")
            raise CentralError(str(exc)) from exc
        report.cursor = (self.state() or state).cursor
        return report

    def _failed(self, message: str) -> None:
        with self.uow() as tx:
            self.repo.update(tx.conn, last_error=message[:2000], last_error_at=_now())

    def _client(self, state: NodeState) -> httpx.Client:
        headers = {"User-Agent": "bch-node"}
        if state.token:
            headers["Authorization"] = f"Bearer {state.token}"
        return httpx.Client(
            base_url=state.central_url,
            headers=headers,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            transport=self.transport,
        )

    def _wanted(self, state: NodeState, schema: str | None, country: str | None) -> bool:
        if state.schemas and schema not in state.schemas:
            return False
        return not (state.countries and country is not None and country not in state.countries)

    # -- pull: bootstrap ----------------------------------------------------------------------------
    def _bootstrap(
        self,
        client: httpx.Client,
        state: NodeState,
        report: SyncReport,
        on_progress: Callable[[str, int], None] | None,
    ) -> None:
        if state.feed_from is None:  # the feed is followed from before the first dump
            # /readyz names the change sequence whenever the database answers (also a 503 while
            # the central's search index builds: the sequence is what the node needs)
            health = _json(client.get("/readyz"), "/readyz", ok=(200, 503))
            start = health.get("sequence")
            if not isinstance(start, int) or start < 0:
                raise CentralError("the central's /readyz gave no change sequence")
            with self.uow() as tx:
                self.repo.update(tx.conn, feed_from=start, central_seen_at=_now())
            state = self.state() or state
        offered = _json(client.get("/api/v1/export"), "/api/v1/export").get("items")
        if not isinstance(offered, list):
            raise CentralError("the central's /api/v1/export lists no dumps")
        offered.sort(key=_load_order)
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
            report.bootstrapped[schema] = self._load_dump(client, state, schema, on_progress)
            state = self.state() or state
        with self.uow() as tx:
            current = self.repo.get(tx.conn)
            assert current is not None
            self.repo.update(tx.conn, phase="following", cursor=current.feed_from or 0)

    def _load_dump(
        self,
        client: httpx.Client,
        state: NodeState,
        schema: str,
        on_progress: Callable[[str, int], None] | None,
    ) -> int:
        path = f"/api/v1/export/{schema}.ndjson.gz"
        applied = 0
        batch: list[tuple[dict[str, Any], int, int]] = []
        with client.stream("GET", path) as response:
            if response.status_code != 200:
                raise CentralError(f"GET {path}: HTTP {response.status_code}")
            meta_seen = False
            for line in _gunzip_lines(response.iter_bytes()):
                try:
                    item = orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise CentralError(f"{path}: a line is not JSON (truncated dump?)") from None
                if not meta_seen:
                    if not isinstance(item, dict) or "_meta" not in item:
                        raise CentralError(f"{path}: the first line is not the dump's _meta")
                    meta_seen = True
                    continue
                record = _dump_record(item, path)
                if record is None or not self._wanted(state, schema, item.get("country")):
                    continue
                batch.append(record)
                if len(batch) >= BATCH:
                    applied += self._apply_batch(batch)
                    batch = []
                    if on_progress:
                        on_progress(schema, applied)
            if not meta_seen:
                raise CentralError(f"{path}: empty answer")
        # the last batch and the schema's completion commit together
        applied += self._apply_batch(batch, done_schema=schema)
        if on_progress:
            on_progress(schema, applied)
        return applied

    def _apply_batch(
        self, batch: list[tuple[dict[str, Any], int, int]], done_schema: str | None = None
    ) -> int:
        with self.uow() as tx:
            changed = self.records.mirror_many(tx, batch, by=MIRROR_BY)
            if done_schema is not None:
                state = self.repo.get(tx.conn)
                assert state is not None
                done = sorted({*state.bootstrapped, done_schema})
                self.repo.update(tx.conn, bootstrapped=done)
            for document, _doc_id, revision in batch:
                self._settle(tx.conn, str(document["header"]["identifier"]), revision)
        return changed

    # -- pull: the change feed ----------------------------------------------------------------------
    def _follow(
        self,
        client: httpx.Client,
        report: SyncReport,
        on_progress: Callable[[str, int], None] | None,
    ) -> None:
        while True:
            state = self.state()
            assert state is not None
            path = "/api/v1/changes"
            page = _json(client.get(path, params={"since": state.cursor, "limit": FEED_PAGE}), path)
            entries, sequence = _feed_page(page, state.cursor)
            if not entries:
                with self.uow() as tx:
                    self.repo.update(
                        tx.conn,
                        central_sequence=max(sequence, state.cursor),
                        central_seen_at=_now(),
                        last_success_at=_now(),
                        last_error=None,
                    )
                return
            # the bodies are read before the transaction (no lock held while the line is slow)
            bodies: dict[int, dict[str, Any] | None] = {}
            for e in entries:
                if e["action"] == "publish" and self._wanted(state, e["schema"], e["country"]):
                    bodies[e["seq"]] = self._revision(client, e)
            with self.uow() as tx:
                for e in entries:
                    if not self._wanted(state, e["schema"], e["country"]):
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
                        )
                    else:
                        body = bodies.get(e["seq"])
                        done = body is not None and self.records.mirror(
                            tx, body, e["docId"], e["revision"], by=MIRROR_BY
                        )
                        self._settle(tx.conn, e["identifier"], e["revision"])
                    report.applied += int(done)
                    report.skipped += int(not done)
                last = entries[-1]
                self.repo.update(
                    tx.conn,
                    cursor=last["seq"],
                    applied_at=last["at"],
                    central_sequence=max(sequence, last["seq"]),
                    central_seen_at=_now(),
                )
            if on_progress:
                on_progress("changes", entries[-1]["seq"])

    def _revision(self, client: httpx.Client, entry: dict[str, Any]) -> dict[str, Any] | None:
        """The document of a published revision; None when it is gone meanwhile (deleted on the
        central: its deletion follows in the feed)."""
        response = client.get(entry["url"])
        if response.status_code in (404, 410):
            return None
        body = _json(response, entry["url"])
        document = body.get("document")
        if not isinstance(document, dict) or not isinstance(document.get("header"), dict):
            raise CentralError(f"{entry['url']}: no record document in the answer")
        if document["header"].get("identifier") != entry["identifier"]:
            raise CentralError(f"{entry['url']}: the document is not {entry['identifier']}")
        return document

    # -- push ---------------------------------------------------------------------------------------
    def submit(self, document: Any, *, author: str, base_revision: int | None = None) -> OutboxItem:
        """Queue a national record written on the node for the central (checked here first)."""
        state = self.state()
        if state is None:
            raise NotFound("this installation is not a node")
        if not isinstance(document, dict) or not isinstance(document.get("header"), dict):
            raise BadRequest(
                "a record document needs a header {identifier, schema, languages}",
                errors=[{"code": "Error.Mandatory", "path": "header", "message": "missing"}],
            )
        header = document["header"]
        identifier = header.get("identifier") or f"{state.country.lower()}-{uuid.uuid4()}"
        document = {**document, "header": {**header, "identifier": identifier}}
        result = self.records.validate(document)
        if not result.ok or result.record_type is None:
            from bch.services.errors import ValidationFailed

            raise ValidationFailed(
                "the document is not valid", errors=[p.as_dict() for p in result.errors]
            )
        rt = result.record_type
        owner = (document.get("government") or {}).get("identifier", "")
        if not rt.is_national or str(owner).upper() != state.country:
            raise BadRequest(
                f"a node publishes national records of {state.country} only",
                errors=[
                    {
                        "code": "Error.InvalidValue",
                        "path": "government.identifier",
                        "message": f"expected {state.country}",
                    }
                ],
            )
        if base_revision is None:
            with self.db.reading() as conn:
                doc = self.records.store.document_by_identifier(conn, identifier)
            base_revision = doc.latest_revision if doc and doc.deleted_at is None else None
        with self.uow() as tx:
            item = self.repo.enqueue(
                tx.conn,
                key=uuid.uuid4().hex,
                identifier=identifier,
                schema=rt.name,
                document=result.document,
                base_revision=base_revision,
                author=author,
            )
        self.wake.set()
        return item

    def forward(self, document: dict[str, Any], by: str) -> int | None:
        """The workflow's publish on a node: queue the record for the central and return the
        outbox entry's id; None when this installation is not a node (it publishes itself)."""
        if self.state() is None:
            return None
        return self.submit(document, author=by).id

    def outbox(self, statuses: tuple[str, ...] = ()) -> list[OutboxItem]:
        with self.db.reading() as conn:
            return self.repo.items(conn, statuses)

    def _push(self, client: httpx.Client, report: SyncReport) -> None:
        for item in self.outbox(("pending",)):
            outcome = self._send(client, item)
            report.pushed += outcome in ("published", "requested")
            report.conflicts += outcome == "conflict"

    def _send(self, client: httpx.Client, item: OutboxItem) -> str:
        path = f"/api/v1/drafts/{item.identifier}"
        headers = {"Idempotency-Key": f"{item.key}-draft"}
        if item.base_revision is not None:
            headers["If-Match"] = str(item.base_revision)
        with self.uow() as tx:
            self.repo.mark(tx.conn, item.id, attempts=item.attempts + 1)
        response = client.put(path, content=orjson.dumps(item.document), headers=headers)
        if response.status_code in (412, 428):
            return self._conflict(item, response)
        if response.status_code not in (200, 201):
            return self._refused(item, path, response)
        response = client.post(
            f"{path}/publish",
            content=b"{}",
            headers={"Idempotency-Key": f"{item.key}-publish", "Content-Type": "application/json"},
        )
        if response.status_code == 412:
            return self._conflict(item, response)
        if response.status_code not in (201, 202):
            return self._refused(item, f"{path}/publish", response)
        answer = _json(response, f"{path}/publish")
        status = "published" if response.status_code == 201 else "requested"
        with self.uow() as tx:
            here = self.records.store.document_by_identifier(tx.conn, item.identifier)
            revision = answer.get("revision")
            back = here is not None and isinstance(revision, int)
            if status == "published" and back and here.latest_revision >= revision:
                status = "done"  # the feed brought it back already
            self.repo.mark(tx.conn, item.id, status=status, result=answer, last_error=None)
        return "published" if status == "done" else status

    def _refused(self, item: OutboxItem, path: str, response: httpx.Response) -> str:
        if response.status_code >= 500 or response.status_code in (401, 403, 408, 429):
            # the central or the node's credentials: the entry stays pending, retried later
            raise CentralError(f"{path}: HTTP {response.status_code}")
        with self.uow() as tx:  # the central refused it: kept for the user to correct
            self.repo.mark(
                tx.conn,
                item.id,
                status="refused",
                last_error=f"HTTP {response.status_code}: {response.text[:1500]}",
            )
        return "refused"

    def _conflict(self, item: OutboxItem, response: httpx.Response) -> str:
        with self.uow() as tx:
            self.repo.mark(
                tx.conn,
                item.id,
                status="conflict",
                last_error=f"HTTP {response.status_code}: {response.text[:1500]}",
            )
        return "conflict"

    def _settle(self, conn, identifier: str, revision: int) -> None:
        """A revision of the record came back from the central: queued items of it that were
        published or requested (and whose base it supersedes) are done."""
        for item in self.repo.waiting_for(conn, identifier):
            if item.status in ("published", "requested") and (item.base_revision or 0) < revision:
                self.repo.mark(conn, item.id, status="done")

    def conflict(self, item_id: int) -> dict[str, Any]:
        """Mine (the queued document), theirs (the record here now, as the central has it) and
        the fields where they differ."""
        with self.db.reading() as conn:
            try:
                item = self.repo.item(conn, item_id)
            except Exception:
                raise NotFound(f"no outbox entry {item_id}") from None
        if item.status not in ("conflict", "refused"):
            raise NotFound(f"outbox entry {item_id} is not in conflict (nor refused)")
        try:
            view = self.records.get(item.identifier)
            theirs, revision = view.document, view.revision.revision
        except NotFound:
            theirs, revision = {}, None
        keys = sorted({*item.document, *theirs} - {"header"})
        differ = [k for k in keys if item.document.get(k) != theirs.get(k)]
        return {
            "id": item.id,
            "identifier": item.identifier,
            "mine": item.document,
            "theirs": theirs,
            "theirsRevision": revision,
            "baseRevision": item.base_revision,
            "fields": differ,
        }

    def resolve(self, item_id: int, choice: str, fields: dict[str, str] | None = None) -> str:
        """theirs: drop my edit; mine: send mine over theirs; merge: per field "mine"/"theirs"
        (fields not named keep theirs). The new attempt is based on their revision."""
        info = self.conflict(item_id)
        if choice == "theirs":
            document = None
        elif choice == "mine":
            document = info["mine"]
        elif choice == "merge":
            picks = fields or {}
            bad = [k for k, v in picks.items() if v not in ("mine", "theirs")]
            if bad:
                raise BadRequest(
                    "each field is resolved with mine or theirs",
                    errors=[{"code": "Error.InvalidValue", "path": k, "message": picks[k]}
                            for k in bad],
                )  # fmt: skip
            document = dict(info["theirs"] or info["mine"])
            for key in info["fields"]:
                side = info["mine"] if picks.get(key) == "mine" else info["theirs"]
                if key in side:
                    document[key] = side[key]
                else:
                    document.pop(key, None)
            document["header"] = info["mine"]["header"]
        else:
            raise BadRequest(
                "choice must be theirs, mine or merge",
                errors=[{"code": "Error.InvalidValue", "path": "choice", "message": choice}],
            )
        with self.uow() as tx:
            if document is None:
                self.repo.mark(tx.conn, item_id, status="dropped")
                return "dropped"
            self.repo.mark(
                tx.conn,
                item_id,
                status="pending",
                document=document,
                base_revision=info["theirsRevision"],
                key=uuid.uuid4().hex,  # a new write: a new idempotency key
                last_error=None,
            )
        self.wake.set()
        return "pending"

    # -- the loop -----------------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Sync until `stop` is set: after each round wait for a wake-up (the central's event
        stream, a local submit) or the poll interval; back off with jitter after failures."""
        failures = 0
        listener = threading.Thread(target=self._listen, args=(stop,), daemon=True)
        listener.start()
        while not stop.is_set():
            self.wake.clear()
            try:
                self.sync_once()
                failures = 0
                delay = self.poll_seconds
            except NotFound:
                delay = self.poll_seconds  # not (yet) a node
            except CentralError as exc:
                failures += 1
                delay = backoff_delay(failures, cap=self.poll_seconds)
                log.warning("node sync failed (%d in a row): %s", failures, exc)
            except Exception:  # noqa: BLE001 - the loop must outlive any single failure
                failures += 1
                delay = backoff_delay(failures, cap=self.poll_seconds)
                log.exception("node sync failed")
            if failures == 0:
                self.wake.wait(delay)
            else:
                stop.wait(delay)

    def _listen(self, stop: threading.Event) -> None:
        """Follow the central's event stream; each event wakes the loop."""
        failures = 0
        while not stop.is_set():
            state = self.state()
            if state is None:
                stop.wait(self.poll_seconds)
                continue
            try:
                with (
                    self._client(state) as client,
                    client.stream(
                        "GET",
                        "/api/v1/changes/stream",
                        headers={"Accept": "text/event-stream"},
                        timeout=httpx.Timeout(self.timeout, read=60.0),
                    ) as response,
                ):
                    if response.status_code != 200:
                        raise CentralError(f"event stream: HTTP {response.status_code}")
                    failures = 0
                    for line in response.iter_lines():
                        if stop.is_set():
                            return
                        if line.startswith("data:"):
                            self.wake.set()
            except (httpx.HTTPError, CentralError):
                failures += 1
            stop.wait(backoff_delay(failures, cap=self.poll_seconds))


# records that others borrow search facets from (an LMO its organism's type) are loaded first
FIRST = ("organism", "organization", "contact", "dnaSequence", "authority", "modifiedOrganism")


def _load_order(entry: Any) -> tuple[int, str]:
    schema = str(entry.get("schema")) if isinstance(entry, dict) else ""
    return (FIRST.index(schema) if schema in FIRST else len(FIRST), schema)


# -- the central's answers, checked ----------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _json(
    response: httpx.Response, what: str, ok: tuple[int, ...] = (200, 201, 202)
) -> dict[str, Any]:
    if response.status_code not in ok:
        raise CentralError(f"{what}: HTTP {response.status_code}")
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise CentralError(f"{what}: the answer is not JSON (truncated?)") from None
    if not isinstance(body, dict):
        raise CentralError(f"{what}: the answer is not a JSON object")
    return body


def _gunzip_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
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
