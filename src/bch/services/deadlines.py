"""Deadlines of publishing requests: reminders before the deadline (28, 7 and 1 days before
it), and expiry when it has passed (the draft stays a draft). Run by `bch workflow tick`.

Each reminder and expiry is one unit of work that records a RequestEvent ("reminder",
"expired"): the mails are subscribers (bch.services.notifications), sent after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bch.services import audit
from bch.services.publishing_requests import request_event
from bch.services.unit_of_work import UnitOfWork
from bch.storage.database import Database
from bch.storage.drafts import RequestRepository

REMINDER_DAYS_BEFORE = (28, 7, 1)  # reminders this many days before the deadline
EXPIRED_NOTE = "the deadline passed; the draft is kept"


@dataclass
class TickReport:
    reminders: int
    expired: int


class DeadlineService:
    def __init__(self, db: Database, requests: RequestRepository, uow: UnitOfWork):
        self.db = db
        self.requests = requests
        self.uow = uow

    def tick(self, now: datetime) -> TickReport:
        """Send due reminders and expire overdue requests, each in its own transaction."""
        reminders = expired = 0
        with self.db.reading() as conn:
            rows = self.requests.pending(conn)
        for row in rows:
            if row.deadline <= now:
                with self.uow() as tx:
                    done = self.requests.decide(
                        tx.conn, row.id, state="expired", by="system", at=now
                    )
                    if done:
                        audit.write(
                            tx.conn, "system", "request.expire", record=row.identifier,
                            detail={"request": row.id},
                        )  # fmt: skip
                        tx.record(request_event("expired", row, "system", EXPIRED_NOTE))
                expired += done
                continue
            due = sum(1 for d in REMINDER_DAYS_BEFORE if row.deadline - timedelta(days=d) <= now)
            if due > row.reminders_sent:
                with self.uow() as tx:
                    self.requests.set_reminders(tx.conn, row.id, due)
                    tx.record(request_event("reminder", row, "system", None))
                reminders += 1
        return TickReport(reminders, expired)
