"""E-mail alerts (issue 14 item 3): subscriptions to a search, confirmed by a mailed link, and
a transactional outbox of alert mails.

* **Subscribing** stores only the address, the filters (the names of GET /api/v1/records,
  checked by the search service: one parser) and the frequency; a mail with the confirmation
  link follows (after commit, the event bus). Nothing is sent before the link is opened.
* **Matching** follows the change sequence: a batch of changes after the cursor is matched
  against the confirmed subscriptions (each subscription's filters as a search restricted to
  the changed records, on the SQL engine), and the outbox rows and the new cursor are written in
  one transaction (a second matcher that read the same cursor writes nothing). One row per
  (subscription, change) - a unique key - so a change is queued at most once per subscriber.
  A record is matched as it is when the matcher reads it (a deleted record matches nothing).
* **Delivering** claims due rows with a lease (BCH_ALERT_CLAIM_SECONDS), then sends each mail
  (one per change, or one digest per daily/weekly subscription) through one SMTP connection:
  the whole message, then - in one transaction - the rows are marked sent and the claim
  released, then the end of data (bch.services.mail.Delivery). A worker killed before that
  commit leaves an unfinished message the server discards and rows another worker takes once
  the lease has run out; killed after it, the mail is already sent or goes out with the last
  five bytes. A refused mail or a failed connection is retried with exponential backoff.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from bch.records.languages import LANGUAGES, display
from bch.services.errors import BadRequest, NotFound, ValidationFailed
from bch.services.events import Event
from bch.services.mail import POLICY, REFUSED, SENT, Delivery, Mailer, UnsafeHeader
from bch.services.policy import ANONYMOUS, read_scope
from bch.services.ratelimit import RateLimiter
from bch.services.search import SearchQuery, SearchService
from bch.services.summaries import record_summary
from bch.services.unit_of_work import UnitOfWork
from bch.storage.alerts import AlertRepository, OutboxRow, Subscription
from bch.storage.database import Database
from bch.storage.rows import DocumentRow, utcnow
from bch.storage.search.contract import Filter, SearchRequest

log = logging.getLogger("bch.alerts")

PERIODS = {"immediate": None, "daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_FILTERS = 20
MAX_VALUES = 50
MAX_VALUE_LENGTH = 200
MAX_ATTEMPTS = 10
UNCONFIRMED = timedelta(days=7)  # a subscription not confirmed by then is deleted
# no space, no control character (a CR/LF would start a forged mail header), no list separator
_ADDRESS_CHAR = r"[^@\s<>,;\"\x00-\x1f\x7f-\x9f\u2028\u2029]"
_EMAIL = re.compile(rf"^{_ADDRESS_CHAR}+@{_ADDRESS_CHAR}+\.{_ADDRESS_CHAR}+$")


@dataclass(frozen=True)
class AlertSettings:
    public_url: str
    claim_seconds: float = 300.0
    interval: float = 5.0
    unsubscribe_mailto: str = ""  # List-Unsubscribe mailto: address (optional)
    retry_seconds: float = 60.0  # first retry after a failure; doubles up to 6 hours


@dataclass(frozen=True)
class SubscriptionEvent(Event):
    """A subscription was created: its confirmation mail is due (`token`: only here and in it)."""

    email: str
    token: str
    lang: str
    filters: dict[str, Any]
    frequency: str


@dataclass
class RunReport:
    changes: int = 0  # changes of the sequence matched
    queued: int = 0  # outbox rows written
    sent: int = 0  # mails sent
    retried: int = 0  # mails that failed and wait for a retry
    failed: int = 0  # mails given up
    details: list[str] = field(default_factory=list)

    def add(self, other: RunReport) -> None:
        for k in ("changes", "queued", "sent", "retried", "failed"):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def describe(filters: dict[str, Any]) -> str:
    """The filters as one line: `country: CA; schema: biosafetyDecision`."""
    if not filters:
        return "all records"
    return "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(filters.items()))


class AlertService:
    def __init__(
        self,
        db: Database,
        repo: AlertRepository,
        search: SearchService,
        uow: UnitOfWork,
        mailer: Mailer,
        limiter: RateLimiter,
        settings: AlertSettings,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.db = db
        self.repo = repo
        self.search = search
        self.uow = uow
        self.mailer = mailer
        self.limiter = limiter
        self.settings = settings
        self.clock = clock
        self.woken = threading.Event()  # set after a publish: the worker looks at once

    # -- subscriptions ------------------------------------------------------------------------------
    def check(self, body: Any) -> tuple[str, dict[str, list[str]], str, str]:
        """A subscription body -> (email, filters, frequency, lang); a 422 naming each bad
        field (`filters.country`, `frequency`, ...)."""
        if not isinstance(body, dict):
            raise ValidationFailed(
                "expected a JSON object",
                errors=[_problem("", "an object {email, filters, frequency}")],
            )
        problems = []
        email = body.get("email")
        if not isinstance(email, str) or len(email) > 254 or not _EMAIL.match(email.strip()):
            problems.append(_problem("email", "an e-mail address such as name@example.org"))
        frequency = body.get("frequency", "immediate")
        if frequency not in PERIODS:
            problems.append(_problem("frequency", "one of immediate, daily, weekly"))
        lang = body.get("lang", "en")
        if lang not in LANGUAGES:
            problems.append(_problem("lang", "one of " + ", ".join(LANGUAGES)))
        filters, more = self._filters(body.get("filters", {}))
        problems += more
        unknown = sorted(set(body) - {"email", "filters", "frequency", "lang"})
        problems += [_problem(k, "not a member: email, filters, frequency, lang") for k in unknown]
        if problems:
            raise ValidationFailed(
                "the subscription is not valid: " + ", ".join(p["path"] for p in problems),
                errors=problems,
            )
        return str(email).strip().lower(), filters, str(frequency), str(lang)

    def _filters(self, raw: Any) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
        if not isinstance(raw, dict):
            return {}, [_problem("filters", "an object: search filter name -> value(s)")]
        if len(raw) > MAX_FILTERS:
            return {}, [_problem("filters", f"at most {MAX_FILTERS} filters")]
        filters: dict[str, list[str]] = {}
        problems = []
        for name, value in raw.items():
            values = [value] if isinstance(value, str) else value
            if (
                not isinstance(values, list)
                or not 1 <= len(values) <= MAX_VALUES
                or not all(isinstance(v, str) and 0 < len(v) <= MAX_VALUE_LENGTH for v in values)
            ):
                problems.append(
                    _problem(f"filters.{name}", f"a text or a list of 1-{MAX_VALUES} texts")
                )
                continue
            filters[str(name)] = [v.strip() for v in values]
        if problems:
            return {}, problems
        words = filters.pop("q", None)
        try:  # the search service's own check: the names and values GET /api/v1/records takes
            self.search.filters(SearchQuery(filters=filters))
        except BadRequest as exc:
            paths = [e.get("path") or "" for e in exc.errors] or [""]
            return {}, [
                _problem(f"filters.{p}".rstrip("."), exc.message or "not a search filter")
                for p in paths
            ]
        if words:
            filters["q"] = words
        return filters, []

    def subscribe(self, body: Any, *, ip: str | None = None) -> Subscription:
        """Store a subscription (not confirmed) and mail its confirmation link."""
        email, filters, frequency, lang = self.check(body)
        self.limiter.hit("subscribe", ip or "-")
        self.limiter.hit("subscribe", email)
        token = secrets.token_urlsafe(32)
        with self.uow(changes=False) as tx:
            sub = self.repo.add(
                tx.conn,
                token=token,
                email=email,
                filters=filters,
                frequency=frequency,
                lang=lang,
                created_at=self.clock(),
            )
            tx.record(SubscriptionEvent(email, token, lang, filters, frequency))
        return sub

    def _by_token(self, conn: Any, token: str | None) -> Subscription:
        sub = self.repo.by_token(conn, token) if token else None
        if sub is None:
            raise NotFound("no subscription has this link (it was deleted, or mistyped)")
        return sub

    def confirm(self, token: str | None) -> Subscription:
        """Open the confirmation link: the subscription starts (again: nothing changes)."""
        with self.uow(changes=False) as tx:
            sub = self._by_token(tx.conn, token)
            if sub.confirmed_at is None:
                self.repo.set(tx.conn, sub.id, confirmed_at=self.clock())
                sub = self.repo.by_id(tx.conn, sub.id) or sub
        return sub

    def unsubscribe(self, token: str | None) -> Subscription:
        """Delete the subscription of this link (and its queued mails)."""
        with self.uow(changes=False) as tx:
            sub = self._by_token(tx.conn, token)
            self.repo.remove(tx.conn, [sub.id])
        return sub

    def mine(self, token: str | None) -> list[Subscription]:
        """Every subscription of the address this link was mailed to."""
        with self.db.reading() as conn:
            return self.repo.of_email(conn, self._by_token(conn, token).email)

    def forget(self, token: str | None, sub_id: int | None = None) -> int:
        """Delete one subscription of this address (`sub_id`), or all of them."""
        with self.uow(changes=False) as tx:
            own = self.repo.of_email(tx.conn, self._by_token(tx.conn, token).email)
            ids = [s.id for s in own if sub_id is None or s.id == sub_id]
            if sub_id is not None and not ids:
                raise NotFound(f"subscription {sub_id} is not one of this address")
            return self.repo.remove(tx.conn, ids)

    # -- links --------------------------------------------------------------------------------------
    def link(self, path: str, token: str) -> str:
        return f"{self.settings.public_url}{path}?token={quote(token)}"

    # -- matching -----------------------------------------------------------------------------------
    def matching(self, filters: dict[str, list[str]], ids: list[int]) -> set[int]:
        """Which of these records the filters select now (published, public ones)."""
        words = " ".join(filters.get("q", []))
        rest = {k: v for k, v in filters.items() if k != "q"}
        checked = self.search.filters(SearchQuery(filters=rest))
        request = SearchRequest(
            scope=read_scope(ANONYMOUS),
            filters=(*checked, Filter("ids", "ids", "id", tuple(ids))),
            q=words,
        )
        return set(self.search.sql.hit_ids(request))

    def match(self, limit: int = 500) -> RunReport:
        """Match the next batch of changes after the cursor; write their outbox rows and the
        cursor in one transaction."""
        report = RunReport()
        with self.db.reading() as conn:
            after = self.repo.cursor(conn)
            subs = self.repo.confirmed(conn)
            # nobody to tell: the cursor jumps to the end of the sequence
            batch = self.repo.changes_after(conn, after, limit if subs else None)
        if not batch:
            return report
        now = self.clock()
        rows: list[dict[str, Any]] = []
        if subs:
            ids = sorted({c.document_id for c in batch})
            by_filters: dict[str, set[int]] = {}
            for sub in subs:
                key = repr(sorted(sub.filters.items()))
                if key not in by_filters:
                    by_filters[key] = self.matching(sub.filters, ids)
                hits = by_filters[key]
                for c in batch:
                    if c.document_id in hits and c.at >= sub.confirmed_at:  # type: ignore[operator]
                        rows.append(self._row(sub, c, now))
        with self.uow(changes=False) as tx:
            if self.repo.lock_cursor(tx.conn) != after:
                return report  # another matcher took this batch
            report.queued = self.repo.enqueue(tx.conn, rows)
            self.repo.set_cursor(tx.conn, batch[-1].seq)
        report.changes = len(batch)
        return report

    def _row(self, sub: Subscription, c: Any, now: datetime) -> dict[str, Any]:
        period = PERIODS[sub.frequency]
        due = now
        if period is not None:
            due = max(now, (sub.digest_at or sub.confirmed_at or now) + period)
        return {
            "subscription_id": sub.id,
            "seq": c.seq,
            "document_id": c.document_id,
            "action": c.action,
            "revision": c.revision,
            "state": "pending",
            "attempts": 0,
            "due_at": due,
        }

    # -- delivering ---------------------------------------------------------------------------------
    def deliver(self, limit: int = 200) -> RunReport:
        """Claim due outbox rows and send their mails (see the module's note)."""
        report = RunReport()
        now = self.clock()
        with self.db.reading() as conn:
            due = self.repo.due(conn, now, limit)
        if not due:
            return report
        claim = secrets.token_hex(16)
        until = now + timedelta(seconds=self.settings.claim_seconds)
        with self.uow(changes=False) as tx:
            taken = set(self.repo.claim(tx.conn, [r.id for r in due], claim, now, until))
        units = self._units([r for r in due if r.id in taken])
        done: set[int] = set()
        try:
            with Delivery(self.mailer) as delivery:
                for sub, rows in units:
                    if self.clock() >= until - timedelta(seconds=1):
                        break  # the lease is ending: leave the rest to the next claim
                    self._send(delivery, sub, rows, claim, report)
                    done.update(r.id for r in rows)
        except (OSError, smtplib.SMTPException) as exc:  # connection failed: retry the rest later
            log.error("alert mails: SMTP failed (%s); retrying later", exc)
            for _sub, rows in units:
                left = [r for r in rows if r.id not in done]
                if left:
                    self._retry(left, claim, str(exc), report)
        return report

    def _units(self, rows: list[OutboxRow]) -> list[tuple[Subscription, list[OutboxRow]]]:
        with self.db.reading() as conn:
            subs = {s: self.repo.by_id(conn, s) for s in {r.subscription_id for r in rows}}
        units: list[tuple[Subscription, list[OutboxRow]]] = []
        digests: dict[int, list[OutboxRow]] = {}
        for r in rows:
            sub = subs.get(r.subscription_id)
            if sub is None:
                continue
            if sub.frequency == "immediate":
                units.append((sub, [r]))
            else:
                digests.setdefault(sub.id, []).append(r)
        units += [(subs[s], rs) for s, rs in digests.items()]  # type: ignore[misc]
        return units

    def _send(
        self,
        delivery: Delivery,
        sub: Subscription,
        rows: list[OutboxRow],
        claim: str,
        report: RunReport,
    ) -> None:
        ids = [r.id for r in rows]
        committed = []

        def commit() -> bool:
            now = self.clock()
            with self.uow(changes=False) as tx:
                ok = self.repo.finish(tx.conn, ids, claim, now, state="sent", sent_at=now)
                if ok and sub.frequency != "immediate":
                    self.repo.set(tx.conn, sub.id, digest_at=now)
            committed.append(ok)
            return ok

        try:
            msg = self.message(sub, rows)
        except UnsafeHeader as exc:  # an address stored before it was checked as it is now
            self._retry(rows, claim, str(exc), report)
            return
        status, answer = delivery.send(msg, commit)
        if status == SENT:
            report.sent += 1
        elif status == REFUSED:
            if committed and committed[0]:  # refused at the end of data: not delivered
                with self.uow(changes=False) as tx:
                    self.repo.reopen(tx.conn, ids)
                    self._retry_values(tx.conn, rows, answer, report)
            else:
                self._retry(rows, claim, answer, report)

    def _retry(self, rows: list[OutboxRow], claim: str, error: str, report: RunReport) -> None:
        with self.uow(changes=False) as tx:
            for r in rows:
                attempts = r.attempts + 1
                self.repo.finish(tx.conn, [r.id], claim, self.clock(), **self._later(r, error))
                report.failed += attempts >= MAX_ATTEMPTS
                report.retried += attempts < MAX_ATTEMPTS

    def _retry_values(self, conn: Any, rows: list[OutboxRow], error: str, report: RunReport):
        for r in rows:
            self.repo.update_row(conn, r.id, **self._later(r, error))
            report.retried += 1

    def _later(self, r: OutboxRow, error: str) -> dict[str, Any]:
        attempts = r.attempts + 1
        wait = min(self.settings.retry_seconds * 2 ** (attempts - 1), 6 * 3600)
        return {
            "attempts": attempts,
            "due_at": self.clock() + timedelta(seconds=wait),
            "error": error[:500],
            "state": "failed" if attempts >= MAX_ATTEMPTS else "pending",
        }

    # -- the mail -----------------------------------------------------------------------------------
    def message(self, sub: Subscription, rows: list[OutboxRow]) -> EmailMessage:
        docs = {d.id: d for d in self.search.documents(sorted({r.document_id for r in rows}))}
        lines = []
        for r in sorted(rows, key=lambda r: r.seq):
            lines.append(self._line(r, docs.get(r.document_id), sub.lang))
        what = describe(sub.filters)
        if sub.frequency == "immediate":
            doc = docs.get(rows[0].document_id)
            title = display(doc.title, sub.lang) if doc else f"record {rows[0].document_id}"
            subject = f"BCH alert: {title}"
        else:
            subject = f"BCH {sub.frequency} digest: {len(rows)} change(s) for {what}"
        manage = self.link(f"/{sub.lang}/alerts/manage", sub.token)
        stop = self.link(f"/{sub.lang}/alerts/unsubscribe", sub.token)
        body = (
            f"New or changed records of the Biosafety Clearing-House for your alert ({what}):\n\n"
            + "\n\n".join(lines)
            + f"\n\nUnsubscribe (one click): {stop}\nYour alerts (see or delete them): {manage}\n"
        )
        msg = EmailMessage(policy=POLICY)
        msg["To"] = sub.email
        msg["Subject"] = subject
        host = self.settings.public_url.split("://", 1)[-1].split("/")[0].split(":")[0]
        first = min(r.seq for r in rows)
        msg["Message-ID"] = f"<alert-{sub.id}-{first}-{len(rows)}@{host}>"
        msg["X-BCH-Alert"] = ",".join(f"{sub.id}:{r.seq}" for r in sorted(rows, key=_seq))
        for name, value in self.unsubscribe_headers(sub.token).items():
            msg[name] = value
        msg.set_content(body)
        return msg

    def _line(self, r: OutboxRow, doc: DocumentRow | None, lang: str) -> str:
        if doc is None:
            return f"- record {r.document_id}: {r.action} (revision {r.revision})"
        item = record_summary(doc)
        verb = "deleted" if r.action == "delete" else f"published (revision {r.revision})"
        uid = f"{doc.uid_base}-{r.revision}"
        return (
            f"- {display(doc.title, lang)} [{doc.schema}, {item['country'] or 'reference'}]"
            f" {verb}\n  {self.settings.public_url}/{lang}/records/{uid}"
        )

    def unsubscribe_headers(self, token: str) -> dict[str, str]:
        """List-Unsubscribe (an https URL, and a mailto: when configured) and RFC 8058's
        List-Unsubscribe-Post: one click in the reader's mail program."""
        value = f"<{self.link('/api/v1/subscriptions/unsubscribe', token)}>"
        if self.settings.unsubscribe_mailto:
            mailto = f"mailto:{self.settings.unsubscribe_mailto}?subject=unsubscribe%20{token}"
            value += f", <{mailto}>"
        return {
            "List-Unsubscribe": value,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        }

    def confirmation_mail(self, e: SubscriptionEvent) -> None:
        """Subscriber of SubscriptionEvent: the opt-in link (a plain GET confirms)."""
        site = f"{self.settings.public_url}/{e.lang}/alerts"
        self.mailer.send(
            e.email,
            "Biosafety Clearing-House: confirm your alert",
            f"Someone (perhaps you) asked for {e.frequency} e-mail alerts of the Biosafety "
            f"Clearing-House on: {describe(e.filters)}.\n\n"
            f"Open this link to start them:\n{site}/confirm?token={quote(e.token)}\n\n"
            "If you did not ask for this, ignore this mail: nothing will be sent.\n"
            f"Delete this request now: {site}/unsubscribe?token={quote(e.token)}\n",
            headers=self.unsubscribe_headers(e.token),
        )

    # -- the worker ---------------------------------------------------------------------------------
    def run_once(self) -> RunReport:
        """Forget subscriptions never confirmed (after UNCONFIRMED_DAYS), match every change
        there is, then send what is due."""
        report = RunReport()
        before = self.clock() - UNCONFIRMED
        with self.db.reading() as conn:  # a write transaction only when there is one to forget
            stale = self.repo.unconfirmed_before(conn, before)
        if stale:
            with self.uow(changes=False) as tx:
                stale = self.repo.unconfirmed_before(tx.conn, before)  # under the write lock
                if stale:
                    self.repo.remove(tx.conn, stale)
        while True:
            step = self.match()
            report.add(step)
            if not step.changes:
                break
        while True:
            step = self.deliver()
            report.add(step)
            if not (step.sent or step.retried or step.failed):
                break
        return report

    def wake(self, _event: Event | None = None) -> None:
        self.woken.set()

    def run_forever(self, stop: threading.Event, on_report=None) -> None:
        """The worker loop: run_once, then wait BCH_ALERTS_INTERVAL seconds (or until a publish
        wakes it) until `stop` is set. A failing round is logged and retried."""
        while not stop.is_set():
            self.woken.clear()
            try:
                report = self.run_once()
                if on_report is not None and (report.changes or report.sent or report.retried):
                    on_report(report)
            except Exception:  # a round that failed (database away): next round
                log.exception("alerts worker round failed")
            self.woken.wait(self.settings.interval)

    def status(self) -> dict[str, int]:
        with self.db.reading() as conn:
            return self.repo.counts(conn)


def _seq(r: OutboxRow) -> int:
    return r.seq


def _problem(path: str, expected: str) -> dict[str, str]:
    return {"code": "Error.InvalidValue", "path": path, "message": f"expected {expected}"}
