"""Deadlines of publishing requests: reminder mails before the deadline (28, 7 and 1 days
before it), and expiry when it has passed (the draft stays a draft). Run by `bch workflow tick`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from bch.config import public_url
from bch.services import audit
from bch.storage.rows import as_utc, iso_utc
from bch.storage.tables import publishing_requests

if TYPE_CHECKING:
    from bch.services.workflow import WorkflowService

REMINDER_DAYS_BEFORE = (28, 7, 1)  # reminders this many days before the deadline


@dataclass
class TickReport:
    reminders: int
    expired: int


def tick(wf: WorkflowService, now: datetime) -> TickReport:
    """Send due reminders and expire overdue requests, each in its own transaction."""
    from bch.services.workflow import _title

    reminders = expired = 0
    with wf.store.reading() as conn:
        rows = list(
            conn.execute(
                select(publishing_requests).where(publishing_requests.c.state == "pending")
            )
        )
    for row in rows:
        deadline = as_utc(row.deadline)
        rt = wf._rt(row.schema, row.realm)
        if deadline <= now:
            with wf.store.writing() as conn:
                done = conn.execute(
                    update(publishing_requests)
                    .where(
                        publishing_requests.c.id == row.id,
                        publishing_requests.c.state == "pending",
                    )
                    .values(state="expired", decided_by="system", decided_at=now)
                ).rowcount
                if done:
                    audit.write(
                        conn, "system", "request.expire", record=row.identifier,
                        detail={"request": row.id},
                    )  # fmt: skip
            if done:
                expired += 1
                wf._notify(row.id, "expired", "the deadline passed; the draft is kept")
            continue
        due = sum(1 for d in REMINDER_DAYS_BEFORE if deadline - timedelta(days=d) <= now)
        if due > row.reminders_sent:
            with wf.store.writing() as conn:
                conn.execute(
                    update(publishing_requests)
                    .where(publishing_requests.c.id == row.id)
                    .values(reminders_sent=due)
                )
                deciders = wf._deciders(conn, rt, row.owner)
                request = wf._request_json(conn, wf._row(conn, row.id))
            wf.mailer.send(
                deciders,
                f"BCH reminder: {row.kind} request {row.id} expires {iso_utc(deadline)[:10]}",
                f"The request to {row.kind} {row.schema} record {row.identifier} "
                f"({_title(request)}) waits for your decision until {iso_utc(deadline)}; after "
                f"that it expires.\n{public_url()}/api/v1/requests/{row.id}\n",
            )
            reminders += 1
    return TickReport(reminders, expired)
