"""The unit of work: one write transaction, and the events it records, published after commit.

    with uow() as tx:                        # the write transaction (Database.writing)
        repo.save(tx.conn, ...)              # repositories write through it
        tx.record(RecordEvent(...))          # what happened, for the subscribers
    # committed here: the bus hands tx.events to the subscribers (bch.services.events)

An exception inside the block rolls everything back and publishes nothing. A service that opens
a unit of work while another is open in the same thread joins it: its writes commit, and its
events are published, with the outer one (e.g. the workflow approving a request publishes the
record, closes the request and writes the audit entry all or nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from bch.services.events import Event, EventBus
from bch.storage.database import Connection, Database


@dataclass
class Transaction:
    """An open unit of work: the connection repositories write through, and the events."""

    conn: Connection
    db: Database
    events: list[Event] = field(default_factory=list)

    def record(self, event: Event) -> None:
        """Publish `event` to the subscribers once (and only if) the transaction commits."""
        self.events.append(event)


_current: ContextVar[Transaction | None] = ContextVar("bch_unit_of_work", default=None)


class UnitOfWork:
    def __init__(self, db: Database, bus: EventBus):
        self.db = db
        self.bus = bus

    @contextmanager
    def __call__(self, *, wait: float | None = None, changes: bool = True) -> Iterator[Transaction]:
        """A write transaction (see Database.writing for `wait` and `changes`), or the one
        already open in this thread."""
        outer = _current.get()
        if outer is not None and outer.db is self.db:
            yield outer
            return
        with self.db.writing(wait=wait, changes=changes) as conn:
            tx = Transaction(conn, self.db)
            token = _current.set(tx)
            try:
                yield tx
            finally:
                _current.reset(token)
        self.bus.publish(tx.events)  # committed
