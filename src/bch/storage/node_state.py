"""A national node's own tables (issue 12, migration 0007_nodes): its configuration and pull
state (one row), the outbox of national records waiting for the central, and, on a central, the
stored answers to writes sent with an Idempotency-Key header."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from bch.storage.database import Database
from bch.storage.rows import as_utc, utcnow
from bch.storage.tables import documents
from bch.storage.tables_nodes import idempotency_results, node_outbox, node_state


@dataclass(frozen=True)
class NodeState:
    central_url: str
    country: str
    token: str | None
    schemas: list[str]
    countries: list[str]
    phase: str  # bootstrap | following
    feed_from: int | None
    bootstrapped: list[str]
    cursor: int
    central_sequence: int | None
    central_seen_at: datetime | None
    applied_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    created_at: datetime
    derived_from: str | None = None  # the bootstrap's derived rows: the central's, or why not
    bootstrap_mode: str | None = None  # "tables (...)" or "dumps: why" (0011_node_tables)
    # the copy of the central's older revisions (0013_node_history): None until it begins
    history: dict[str, Any] | None = None


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    identifier: str
    schema: str
    document: dict[str, Any]
    base_revision: int | None
    author: str
    status: str  # pending | requested | published | conflict
    attempts: int
    last_error: str | None
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


_TIMES = ("central_seen_at", "applied_at", "last_success_at", "last_error_at", "created_at")


def _state(row: Any) -> NodeState:
    m = dict(row._mapping)
    m.pop("id")
    for key in _TIMES:
        m[key] = as_utc(m[key])
    return NodeState(**m)


def _item(row: Any) -> OutboxItem:
    m = dict(row._mapping)
    m["created_at"] = as_utc(m["created_at"])
    m["updated_at"] = as_utc(m["updated_at"])
    return OutboxItem(**m)


class NodeStateRepository:
    def __init__(self, db: Database):
        self.db = db

    # -- configuration and pull state --------------------------------------------------------------
    def get(self, conn: Connection) -> NodeState | None:
        row = conn.execute(select(node_state).where(node_state.c.id == 1)).first()
        return _state(row) if row else None

    def configure(
        self,
        conn: Connection,
        *,
        central_url: str,
        country: str,
        token: str | None,
        schemas: list[str],
        countries: list[str],
    ) -> NodeState:
        """Write the configuration; a new central starts the pull from nothing."""
        values = {
            "central_url": central_url,
            "country": country,
            "token": token,
            "schemas": schemas,
            "countries": countries,
        }
        old = self.get(conn)
        if old is None or old.central_url != central_url:
            values.update(
                phase="bootstrap", feed_from=None, bootstrapped=[], cursor=0, history=None
            )
        if old is None:
            conn.execute(insert(node_state).values(id=1, created_at=utcnow(), **values))
        else:
            conn.execute(update(node_state).where(node_state.c.id == 1).values(**values))
        state = self.get(conn)
        assert state is not None
        return state

    def update(self, conn: Connection, **values: Any) -> None:
        conn.execute(update(node_state).where(node_state.c.id == 1).values(**values))

    def holds_records(self, conn: Connection) -> bool:
        """Whether the database holds any record (deleted ones too)."""
        return conn.execute(select(documents.c.id).limit(1)).first() is not None

    def latest_revisions(self, conn: Connection, identifiers: Sequence[str]) -> dict[str, int]:
        """identifier -> the latest revision held here, of these records."""
        if not identifiers:
            return {}
        rows = conn.execute(
            select(documents.c.identifier, documents.c.latest_revision).where(
                documents.c.identifier.in_(list(identifiers))
            )
        )
        return {r[0]: r[1] for r in rows}

    # -- the outbox --------------------------------------------------------------------------------
    def enqueue(
        self,
        conn: Connection,
        *,
        key: str,
        identifier: str,
        schema: str,
        document: dict[str, Any],
        base_revision: int | None,
        author: str,
    ) -> OutboxItem:
        now = utcnow()
        new_id = conn.execute(
            insert(node_outbox).values(
                key=key,
                identifier=identifier,
                schema=schema,
                document=document,
                base_revision=base_revision,
                author=author,
                status="pending",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        return self.item(conn, new_id)

    def item(self, conn: Connection, item_id: int) -> OutboxItem:
        return _item(conn.execute(select(node_outbox).where(node_outbox.c.id == item_id)).one())

    def items(self, conn: Connection, statuses: tuple[str, ...] = ()) -> list[OutboxItem]:
        stmt = select(node_outbox).order_by(node_outbox.c.id)
        if statuses:
            stmt = stmt.where(node_outbox.c.status.in_(statuses))
        return [_item(r) for r in conn.execute(stmt)]

    def counts(self, conn: Connection) -> dict[str, int]:
        rows = conn.execute(
            select(node_outbox.c.status, func.count()).group_by(node_outbox.c.status)
        )
        return {r[0]: r[1] for r in rows}

    def mark(self, conn: Connection, item_id: int, **values: Any) -> None:
        conn.execute(
            update(node_outbox)
            .where(node_outbox.c.id == item_id)
            .values(updated_at=utcnow(), **values)
        )

    def waiting_for(self, conn: Connection, identifier: str) -> list[OutboxItem]:
        """Items of a record not yet seen back from the central."""
        return self.waiting_among(conn, [identifier])

    def waiting_among(self, conn: Connection, identifiers: Sequence[str]) -> list[OutboxItem]:
        """Items of these records not yet seen back from the central (one query for a batch
        of a bootstrap)."""
        if not identifiers:
            return []
        stmt = select(node_outbox).where(
            node_outbox.c.identifier.in_(list(identifiers)),
            node_outbox.c.status.in_(("pending", "requested", "published", "conflict")),
        )
        return [_item(r) for r in conn.execute(stmt)]


class IdempotencyRepository:
    """The central's answers to writes sent with an Idempotency-Key (read and written in the
    write's own transaction: a retry waits for the first and gets its answer)."""

    def get(self, conn: Connection, key: str) -> tuple[int, dict[str, Any]] | None:
        row = conn.execute(
            select(idempotency_results.c.status, idempotency_results.c.body).where(
                idempotency_results.c.key == key
            )
        ).first()
        return (row[0], row[1]) if row else None

    def put(self, conn: Connection, key: str, status: int, body: dict[str, Any]) -> None:
        conn.execute(
            insert(idempotency_results).values(
                key=key, status=status, body=body, created_at=utcnow()
            )
        )
