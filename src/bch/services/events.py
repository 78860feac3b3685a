"""Events on every write, and the bus that hands them to subscribers once the write committed.

A service records events on its unit of work (`with uow() as tx: ...; tx.record(event)`,
bch.services.unit_of_work) while it writes; the unit of work hands them to this bus only after
the transaction has committed. So:

* a write that fails or is rolled back runs no subscriber;
* a failing subscriber is logged and never undoes the write (it is committed already), nor
  keeps the other subscribers from running;
* subscribers run in the writing thread, in the order they subscribed.

Subscribers are registered where the services are assembled (bch.services.container): today the
mail notifications of the publishing workflow and of accounts (bch.services.notifications). The
outbound sync to national nodes and e-mail alerts on new records subscribe the same way, e.g.
`services.events.subscribe(push_to_nodes, RecordEvent)`: they receive every publish and
deletion after its commit, with the record's UID, schema and owner."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger("bch.events")


@dataclass(frozen=True)
class Event:
    """Something a committed write did."""


@dataclass(frozen=True)
class RecordEvent(Event):
    """A record was published (a new revision) or deleted (a tombstone)."""

    action: str  # publish | delete
    uid: str
    identifier: str
    realm: str
    schema: str
    owner: str
    revision: int
    by: str


@dataclass(frozen=True)
class RequestEvent(Event):
    """A publishing or deletion request changed: opened, approved, rejected, expired, settled
    (approved implicitly: the focal point published the draft directly), or a reminder of its
    deadline fell due."""

    action: str  # opened | approved | rejected | expired | settled | reminder
    request_id: int
    kind: str  # publish | delete
    identifier: str
    realm: str
    schema: str
    owner: str
    by: str  # who acted ("system" for expiries and reminders)
    note: str | None = None  # the request's message, the rejection reason, the approval comment


@dataclass(frozen=True)
class AccountEvent(Event):
    """Something an account's owner must be told by mail. `secret` is the one-time code of a
    confirmation or reset (it exists only in this event and in the mail)."""

    action: str  # registered | registered_again | reset_requested | login_failures
    email: str
    secret: str | None = None
    failures: int = 0
    address: str | None = None
    lang: str = "en"  # the language of the web pages the mail links to


Subscriber = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[tuple[Subscriber, tuple[type[Event], ...]]] = []

    def subscribe(self, fn: Subscriber, *types: type[Event]) -> None:
        """Call `fn(event)` after each commit, for events of `types` (all events when none)."""
        self._subscribers.append((fn, types or (Event,)))

    def unsubscribe(self, fn: Subscriber) -> None:
        self._subscribers = [(f, t) for f, t in self._subscribers if f != fn]

    def publish(self, events: Iterable[Event]) -> None:
        """Hand committed events to the subscribers (bch.services.unit_of_work calls this)."""
        for event in events:
            for fn, types in self._subscribers:
                if not isinstance(event, types):
                    continue
                try:
                    fn(event)
                except Exception:  # a side effect must not break the write that caused it
                    log.exception("event subscriber %r failed on %r", fn, event)

    emit = publish
