"""Alerts storage (tables alert_subscriptions, alert_outbox, alert_cursor): subscriptions, the
outbox of alert mails with its claims (a lease per worker), and the matcher's cursor in the
change sequence. The rules (who gets what, when, retries) are bch.services.alerts'."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select, update

from bch.storage.database import Database
from bch.storage.rows import as_utc
from bch.storage.tables import changes
from bch.storage.tables_alerts import alert_cursor, alert_outbox, alert_subscriptions

MATCHER = "matcher"
ENQUEUE_ROWS = 100  # outbox rows per INSERT (8 values each)


# the statements of every round of the alerts worker (each publish wakes it): built once, with
# bound parameters, not per call (issue 15: the mixed load's CPU per request)
_CURSOR = select(alert_cursor.c.seq).where(alert_cursor.c.name == MATCHER)
_CURSOR_LOCKED = _CURSOR.with_for_update()
_SET_CURSOR = update(alert_cursor).where(alert_cursor.c.name == MATCHER).values(seq=bindparam("to"))
_CONFIRMED = (
    select(alert_subscriptions)
    .where(alert_subscriptions.c.confirmed_at.is_not(None))
    .order_by(alert_subscriptions.c.id)
)
_UNCONFIRMED = select(alert_subscriptions.c.id).where(
    alert_subscriptions.c.confirmed_at.is_(None),
    alert_subscriptions.c.created_at < bindparam("when"),
)
_LAST_CHANGE = select(func.max(changes.c.seq))
_CHANGES_AFTER = (
    select(changes.c.seq, changes.c.document_id, changes.c.action, changes.c.revision, changes.c.at)
    .where(changes.c.seq > bindparam("after"))
    .order_by(changes.c.seq)
    .limit(bindparam("n"))
)


@dataclass(frozen=True)
class Subscription:
    id: int
    token: str
    email: str
    filters: dict[str, Any]
    frequency: str
    lang: str
    created_at: datetime
    confirmed_at: datetime | None
    digest_at: datetime | None


@dataclass(frozen=True)
class OutboxRow:
    id: int
    subscription_id: int
    seq: int
    document_id: int
    action: str
    revision: int
    state: str
    attempts: int
    due_at: datetime


@dataclass(frozen=True)
class Change:
    seq: int
    document_id: int
    action: str
    revision: int
    at: datetime


def _subscription(r: Any) -> Subscription:
    m = dict(r._mapping)
    for k in ("created_at", "confirmed_at", "digest_at"):
        m[k] = as_utc(m[k])
    return Subscription(**m)


_DUE = (  # pending rows due now whose claim (if any) has run out, oldest first
    select(*(alert_outbox.c[f] for f in OutboxRow.__dataclass_fields__))
    .where(
        alert_outbox.c.state == "pending",
        alert_outbox.c.due_at <= bindparam("now"),
        or_(alert_outbox.c.claim_until.is_(None), alert_outbox.c.claim_until < bindparam("now")),
    )
    .order_by(alert_outbox.c.seq, alert_outbox.c.id)
    .limit(bindparam("n"))
)


class AlertRepository:
    def __init__(self, db: Database):
        self.db = db
        self._new_cursor = (  # the cursor's row, made at 0 when missing (lock_cursor)
            db.dialect.insert(alert_cursor)
            .values(name=MATCHER, seq=0)
            .on_conflict_do_nothing(index_elements=["name"])
        )

    # -- subscriptions ----------------------------------------------------------------------------
    def add(self, conn: Connection, **values: Any) -> Subscription:
        new_id = conn.execute(alert_subscriptions.insert().values(**values)).inserted_primary_key[0]
        return self.by_id(conn, new_id)  # type: ignore[return-value]

    def by_id(self, conn: Connection, sub_id: int) -> Subscription | None:
        r = conn.execute(select(alert_subscriptions).where(alert_subscriptions.c.id == sub_id))
        row = r.first()
        return _subscription(row) if row else None

    def by_token(self, conn: Connection, token: str) -> Subscription | None:
        r = conn.execute(select(alert_subscriptions).where(alert_subscriptions.c.token == token))
        row = r.first()
        return _subscription(row) if row else None

    def of_email(self, conn: Connection, email: str) -> list[Subscription]:
        stmt = (
            select(alert_subscriptions)
            .where(alert_subscriptions.c.email == email)
            .order_by(alert_subscriptions.c.id)
        )
        return [_subscription(r) for r in conn.execute(stmt)]

    def confirmed(self, conn: Connection) -> list[Subscription]:
        return [_subscription(r) for r in conn.execute(_CONFIRMED)]

    def set(self, conn: Connection, sub_id: int, **values: Any) -> None:
        conn.execute(
            update(alert_subscriptions).where(alert_subscriptions.c.id == sub_id).values(**values)
        )

    def remove(self, conn: Connection, sub_ids: Sequence[int]) -> int:
        """Delete subscriptions and every outbox row of theirs (sent or not): nothing of the
        person stays."""
        ids = list(sub_ids)
        conn.execute(delete(alert_outbox).where(alert_outbox.c.subscription_id.in_(ids)))
        return conn.execute(
            delete(alert_subscriptions).where(alert_subscriptions.c.id.in_(ids))
        ).rowcount

    def unconfirmed_before(self, conn: Connection, when: datetime) -> list[int]:
        return list(conn.execute(_UNCONFIRMED, {"when": when}).scalars())

    # -- the matcher's cursor and the change sequence ---------------------------------------------
    def cursor(self, conn: Connection) -> int:
        """The last change sequence number matched (0: none)."""
        return conn.execute(_CURSOR).scalar_one_or_none() or 0

    def lock_cursor(self, conn: Connection) -> int:
        """The cursor, created at 0 when missing, locked until the end of the transaction."""
        conn.execute(self._new_cursor)
        return conn.execute(_CURSOR_LOCKED).scalar_one()

    def set_cursor(self, conn: Connection, seq: int) -> None:
        conn.execute(_SET_CURSOR, {"to": seq})

    def changes_after(self, conn: Connection, after: int, limit: int | None) -> list[Change]:
        """The next `limit` changes after `after`; limit None: only the last one there is."""
        if limit is None:
            last = conn.execute(_LAST_CHANGE).scalar_one_or_none() or 0
            after, limit = (last - 1, 1) if last > after else (after, 1)
        rows = conn.execute(_CHANGES_AFTER, {"after": after, "n": limit})
        return [Change(r[0], r[1], r[2], r[3], as_utc(r[4])) for r in rows]

    # -- the outbox ---------------------------------------------------------------------------------
    def enqueue(self, conn: Connection, rows: list[dict[str, Any]]) -> int:
        """Insert outbox rows; a (subscription, change) already there is skipped (the key)."""
        added = 0
        for i in range(0, len(rows), ENQUEUE_ROWS):  # within SQLite's limit of variables
            stmt = (
                self.db.dialect.insert(alert_outbox)
                .values(rows[i : i + ENQUEUE_ROWS])
                .on_conflict_do_nothing(index_elements=["subscription_id", "seq"])
                .returning(alert_outbox.c.id)
            )
            added += len(conn.execute(stmt).all())  # rowcount is -1 here on PostgreSQL
        return added

    def due(self, conn: Connection, now: datetime, limit: int) -> list[OutboxRow]:
        """Pending rows due now whose claim (if any) has run out, oldest first."""
        return [_outbox(r) for r in conn.execute(_DUE, {"now": now, "n": limit})]

    def claim(
        self, conn: Connection, ids: Sequence[int], claim: str, now: datetime, until: datetime
    ) -> list[int]:
        """Take the lease on those rows that are still pending and free; their ids."""
        free = and_(
            alert_outbox.c.id.in_(list(ids)),
            alert_outbox.c.state == "pending",
            or_(alert_outbox.c.claim_until.is_(None), alert_outbox.c.claim_until < now),
        )
        taken = list(
            conn.execute(select(alert_outbox.c.id).where(free).with_for_update()).scalars()
        )
        if taken:
            conn.execute(
                update(alert_outbox)
                .where(alert_outbox.c.id.in_(taken))
                .values(claim=claim, claim_until=until)
            )
        return taken

    def finish(
        self, conn: Connection, ids: Sequence[int], claim: str, now: datetime, **values: Any
    ) -> bool:
        """Release our claim on all these rows, setting `values` (state sent: marked sent in
        the transaction that releases the claim). False, and nothing changed, when any of them
        is no longer ours (the lease ran out and another worker took it)."""
        ours = and_(
            alert_outbox.c.id.in_(list(ids)),
            alert_outbox.c.claim == claim,
            alert_outbox.c.state == "pending",
            alert_outbox.c.claim_until >= now,
        )
        held = conn.execute(select(alert_outbox.c.id).where(ours).with_for_update()).all()
        if len(held) != len(set(ids)):
            return False
        conn.execute(
            update(alert_outbox)
            .where(alert_outbox.c.id.in_(list(ids)))
            .values(claim=None, claim_until=None, **values)
        )
        return True

    def reopen(self, conn: Connection, ids: Sequence[int], **values: Any) -> None:
        """Rows marked sent whose mail the server refused at the last step: pending again."""
        conn.execute(
            update(alert_outbox)
            .where(alert_outbox.c.id.in_(list(ids)))
            .values(state="pending", sent_at=None, **values)
        )

    def update_row(self, conn: Connection, row_id: int, **values: Any) -> None:
        conn.execute(update(alert_outbox).where(alert_outbox.c.id == row_id).values(**values))

    def counts(self, conn: Connection) -> dict[str, int]:
        stmt = select(alert_outbox.c.state, func.count()).group_by(alert_outbox.c.state)
        return {state: n for state, n in conn.execute(stmt)}


def _outbox(r: Any) -> OutboxRow:
    m = dict(r._mapping)
    m["due_at"] = as_utc(m["due_at"])
    return OutboxRow(**m)
