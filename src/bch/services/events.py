"""Events on every write. Subscribers (notifications, caches, outbound sync) run after the
transaction has committed, so a failed write never triggers a side effect, and a failing
subscriber never undoes a write."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("bch.events")


@dataclass(frozen=True)
class RecordEvent:
    action: str  # publish | delete
    uid: str
    identifier: str
    realm: str
    schema: str
    owner: str
    revision: int
    by: str


Subscriber = Callable[[RecordEvent], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def emit(self, events: list[RecordEvent]) -> None:
        for event in events:
            for fn in self._subscribers:
                try:
                    fn(event)
                except Exception:  # a side effect must not break the write that caused it
                    log.exception("event subscriber %r failed on %s", fn, event.uid)
