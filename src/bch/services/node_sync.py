"""National nodes (issue 12): a `bch` installation that mirrors the central clearing-house and
publishes its national records through it. This module is the node's configuration, status and
sync loop; the pull (bootstrap, change feed) is in node_pull, the push (outbox, conflicts) in
node_push, what they share in node_central.

A failed round (the central unreachable, or a malformed or truncated answer) is recorded in the
state; the node backs off (exponential, with jitter) and keeps serving.

Wake-up: `GET /api/v1/changes/stream` on the central (server-sent events) wakes the loop as soon
as a change is committed there; polling every BCH_NODE_POLL_SECONDS is the fallback. A record
queued by another process (`bch node submit`, a worker of `bch serve --workers N`) is seen within
OUTBOX_CHECK seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from bch.records.realms import RealmRegistry, UnknownSchema
from bch.services.errors import BadRequest, Conflict, NotFound
from bch.services.node_central import (
    PENDING,
    CentralError,
    SyncReport,
    backoff_delay,
    central_client,
    iso,
    now,
)
from bch.services.node_pull import NodePull
from bch.services.node_push import NodePush
from bch.services.records import RecordService
from bch.services.unit_of_work import UnitOfWork
from bch.storage.database import Database
from bch.storage.node_state import NodeState, NodeStateRepository, OutboxItem

log = logging.getLogger("bch.node")
OUTBOX_CHECK = 1.0  # seconds between looks at the outbox while the loop waits

__all__ = ["CentralError", "NodeSync", "SyncReport"]


class NodeSync:
    def __init__(
        self,
        db: Database,
        repo: NodeStateRepository,
        records: RecordService,
        uow: UnitOfWork,
        registry: RealmRegistry,
        pull: NodePull,
        push: NodePush,
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
        self.pull = pull
        self.push = push
        self.poll_seconds = poll_seconds
        self.timeout = timeout
        self.transport = transport
        self.wake = push.wake

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
            lag_seconds = max(0.0, (now() - since).total_seconds())
        return {
            "node": True,
            "central": state.central_url,
            "country": state.country,
            "schemas": state.schemas,
            "countries": state.countries,
            "phase": state.phase,
            "bootstrapped": state.bootstrapped,
            "derivedFrom": state.derived_from,
            "bootstrapMode": state.bootstrap_mode,  # the table snapshot, or the dumps and why  # the bootstrap's derived rows: central's, or why not
            "cursor": state.cursor,
            "centralSequence": state.central_sequence,
            "lagSequence": behind if state.central_sequence is not None else None,
            "lagSeconds": lag_seconds,
            "records": records,
            "history": state.history,  # the copy of the central's older revisions
            "historyText": _history_text(state.history),
            "lastSuccessAt": iso(state.last_success_at),
            "centralSeenAt": iso(state.central_seen_at),
            "lastError": state.last_error,
            "lastErrorAt": iso(state.last_error_at),
            "pendingPushes": sum(counts.get(s, 0) for s in PENDING),
            "conflicts": counts.get("conflict", 0),
            "refused": counts.get("refused", 0),
            "outbox": counts,
            "hasToken": bool(state.token),
        }

    # -- one round --------------------------------------------------------------------------------
    def sync_once(
        self, on_progress: Callable[[str, int], None] | None = None, *, sole: bool = False
    ) -> SyncReport:
        """Pull (bootstrap, then the feed until it is empty), then push the outbox. A failure is
        recorded in the state (last error) and raised as CentralError. `sole`: no other process
        uses the database meanwhile (`bch node sync --once`: see NodeTables.bootstrap)."""
        state = self.state()
        if state is None:
            raise NotFound("this installation is not a node: run `bch node init` first")
        report = SyncReport()
        try:
            with self._client(state) as client:
                self.pull.pull(client, report, on_progress, sole)
                self.push.push(client, report)
                self.pull.copy_history(client, report, on_progress)
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
            self.repo.update(tx.conn, last_error=message[:2000], last_error_at=now())

    def _client(self, state: NodeState) -> httpx.Client:
        return central_client(state, self.timeout, self.transport)

    # -- push, delegated ----------------------------------------------------------------------------
    def submit(self, document: Any, *, author: str, base_revision: int | None = None) -> OutboxItem:
        """Queue a national record written on the node for the central (checked here first)."""
        return self.push.submit(document, author=author, base_revision=base_revision)

    def forward(self, document: dict[str, Any], by: str) -> int | None:
        """The workflow's publish on a node (None when this installation is not a node)."""
        return self.push.forward(document, by)

    def outbox(self, statuses: tuple[str, ...] = ()) -> list[OutboxItem]:
        return self.push.outbox(statuses)

    def conflict(self, item_id: int) -> dict[str, Any]:
        return self.push.conflict(item_id)

    def resolve(self, item_id: int, choice: str, fields: dict[str, str] | None = None) -> str:
        return self.push.resolve(item_id, choice, fields)

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
                self._idle(delay, stop)
            else:
                stop.wait(delay)

    def _idle(self, delay: float, stop: threading.Event) -> None:
        """Wait until woken (the central's event stream, a submit in this process), stopped,
        `delay` passed, or a record was queued by another process: `bch node submit`, or a
        publish in one of `bch serve --workers N`'s workers, which cannot set this process's
        event (one small query on the outbox every OUTBOX_CHECK seconds)."""
        end = time.monotonic() + delay
        while not stop.is_set():
            left = end - time.monotonic()
            if left <= 0 or self.wake.wait(min(left, OUTBOX_CHECK)):
                return
            try:
                with self.db.reading() as conn:
                    if self.repo.counts(conn).get("pending"):
                        return
            except Exception:  # noqa: BLE001 - the database answers again later: keep waiting
                log.debug("the outbox could not be read", exc_info=True)

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


def _history_text(history: dict[str, Any] | None) -> str:
    """Where the copy of the central's older revisions stands, in words (`bch node status`)."""
    if not history:
        return "older revisions not copied yet"
    n = history.get("revisions") or 0
    if history.get("done"):
        return f"the central's older revisions copied ({n})"
    return f"copying the central's older revisions: {n} so far"
