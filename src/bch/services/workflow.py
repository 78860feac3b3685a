"""The publishing workflow: draft -> publishing request (with a message) -> approve (possibly after
the decider edited the draft) or reject (with a reason) -> published revision. Deletions go the
same way and end in a tombstone. Requests have a deadline (BCH_REQUEST_DEADLINE_DAYS, 83 days by
default) with reminder mails; when it passes the request expires and the draft stays a draft.

Publishing and deleting go through RecordService (one transaction with the draft, request and
audit entry); nothing here writes `documents` or the change sequence directly."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from bch.accounts.mail import Mailer
from bch.accounts.users import UserDirectory
from bch.config import public_url
from bch.records.fields import RecordType
from bch.services import audit
from bch.services.deadlines import TickReport
from bch.services.documents import display_title
from bch.services.drafts import Draft, DraftService
from bch.services.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from bch.services.permissions import Action, Outcome, Target, may_decide, require, target
from bch.services.policy import Principal
from bch.services.records import Published, RecordService
from bch.storage.rows import DocumentRow, as_utc, iso_utc, utcnow
from bch.storage.tables import drafts, publishing_requests, users

DEFAULT_DEADLINE_DAYS = 83
MAX_MESSAGE = 1000  # as additionalInfo in the real BCH


def deadline_days() -> int:
    try:
        days = int(os.environ.get("BCH_REQUEST_DEADLINE_DAYS") or DEFAULT_DEADLINE_DAYS)
    except ValueError:
        days = DEFAULT_DEADLINE_DAYS
    return max(1, days)


@dataclass
class WriteResult:
    """What a publish or delete call did: published/deleted directly, or opened a request."""

    status: str  # published | deleted | requested
    published: Published | None = None
    tombstone: dict[str, Any] | None = None
    request: dict[str, Any] | None = None


class WorkflowService:
    def __init__(
        self,
        records: RecordService,
        drafts_: DraftService,
        directory: UserDirectory,
        mailer: Mailer,
    ):
        self.records = records
        self.drafts = drafts_
        self.store = records.store
        self.registry = records.registry
        self.directory = directory
        self.mailer = mailer

    # -- publish ----------------------------------------------------------------------------------
    def publish_draft(
        self, principal: Principal, identifier: str, *, message: str | None = None
    ) -> WriteResult:
        draft = self.drafts.get(principal, identifier)
        rt = self._rt(draft.schema, draft.realm)
        with self.store.reading() as conn:  # a new revision of a published record: its author
            record = self.store.document_by_identifier(conn, identifier)
            what = target(conn, rt, draft.owner, record=record, draft_author=draft.author_id)
        decision = require(principal, Action.PUBLISH, what)
        self._valid(draft)
        message = self._message(message)
        if decision is Outcome.ALLOW:
            published = self._publish(principal, draft, request_id=None)
            return WriteResult("published", published=published)
        request = self._open(principal, "publish", rt, draft.owner, identifier, message)
        return WriteResult("requested", request=request)

    def _valid(self, draft: Draft) -> None:
        result = self.drafts.check(draft.document)
        if not result.ok:
            raise ValidationFailed(
                "the draft is not complete enough to publish",
                errors=[p.as_dict() for p in result.errors],
            )

    def _publish(self, principal: Principal, draft: Draft, request_id: int | None) -> Published:
        by = principal.email or "?"

        def close(conn: Connection, result: Published) -> None:
            # the draft must be the one validated, and the record still at the draft's base
            current = self.drafts.find(conn, draft.identifier)
            if current is None or current.revision != draft.revision:
                raise PreconditionFailed("the draft changed meanwhile; nothing was published")
            conn.execute(delete(drafts).where(drafts.c.id == draft.id))
            if request_id is not None:
                self._close(conn, request_id, "approved", by, None, result.uid)
            else:  # a focal point publishing directly settles a pending request on the draft
                conn.execute(
                    update(publishing_requests)
                    .where(
                        publishing_requests.c.identifier == draft.identifier,
                        publishing_requests.c.kind == "publish",
                        publishing_requests.c.state == "pending",
                    )
                    .values(state="approved", decided_by=by, decided_at=utcnow(), result=result.uid)
                )
            audit.write(
                conn, by, "record.publish", record=draft.identifier, revision=result.revision,
                before=None, after=draft.document,
                detail={"uid": result.uid, "request": request_id, "changed": result.changed},
            )  # fmt: skip

        with self.store.reading() as conn:
            record = self.store.document_by_identifier(conn, draft.identifier)
        if self._stale(draft, record):
            raise PreconditionFailed(
                f"{draft.identifier} was published meanwhile (revision "
                f"{record.latest_revision if record else '?'}); the draft is kept: reload, merge "
                "and save it again"
            )
        return self.records.publish(draft.document, by=by, strict=False, also=close)

    @staticmethod
    def _stale(draft: Draft, record: DocumentRow | None) -> bool:
        live = record is not None and record.deleted_at is None
        if draft.base_revision is None:
            return live
        return not live or record.latest_revision != draft.base_revision  # type: ignore[union-attr]

    # -- delete ---------------------------------------------------------------------------------
    def delete_record(self, principal: Principal, ref: str, *, reason: str) -> WriteResult:
        if not isinstance(reason, str) or not reason.strip():
            raise BadRequest(
                "a deletion needs a reason",
                errors=[{"code": "Error.Mandatory", "path": "reason", "message": "give a reason"}],
            )
        view = self.records.get(ref, with_links=False)
        doc = view.doc
        rt = self._rt(doc.schema, doc.realm)
        with self.store.reading() as conn:
            decision = require(principal, Action.DELETE, target(conn, rt, doc.owner, record=doc))
        if decision is Outcome.ALLOW:
            stone = self._delete(principal, doc, reason.strip(), None)
            return WriteResult("deleted", tombstone=stone)
        request = self._open(
            principal, "delete", rt, doc.owner, doc.identifier, self._message(reason)
        )
        return WriteResult("requested", request=request)

    def _delete(
        self, principal: Principal, doc: DocumentRow, reason: str, request_id: int | None
    ) -> dict[str, Any]:
        by = principal.email or "?"

        def log(conn: Connection, current: DocumentRow) -> None:
            body = self.store.revision(conn, current.id, current.latest_revision)
            if request_id is not None:
                self._close(conn, request_id, "approved", by, None, f"deleted:{current.id}")
            audit.write(
                conn, by, "record.delete", record=current.identifier,
                revision=current.latest_revision, before=body.body if body else None,
                detail={"reason": reason, "request": request_id},
            )  # fmt: skip

        return self.records.delete(doc.identifier, reason=reason, by=by, also=log)

    # -- requests -------------------------------------------------------------------------------
    def _open(
        self,
        principal: Principal,
        kind: str,
        rt: RecordType,
        owner: str,
        identifier: str,
        message: str | None,
    ) -> dict[str, Any]:
        now = utcnow()
        with self.store.writing() as conn:
            pending = conn.execute(
                select(publishing_requests.c.id).where(
                    publishing_requests.c.identifier == identifier,
                    publishing_requests.c.state == "pending",
                )
            ).first()
            if pending is not None:
                raise Conflict(f"request {pending.id} on {identifier} is already pending")
            request_id = conn.execute(
                insert(publishing_requests).values(
                    kind=kind,
                    identifier=identifier,
                    realm=rt.realm,
                    schema=rt.name,
                    owner=owner,
                    message=message,
                    state="pending",
                    requested_by=principal.user_id,
                    requested_at=now,
                    deadline=now + timedelta(days=deadline_days()),
                    reminders_sent=0,
                )
            ).inserted_primary_key[0]
            audit.write(
                conn, principal.email or "?", f"request.{kind}", record=identifier,
                detail={"request": request_id, "message": message},
            )  # fmt: skip
            request = self._request_json(conn, self._row(conn, request_id))
            deciders = self._deciders(conn, rt, owner)
        self.mailer.send(
            deciders,
            f"BCH: {kind} request {request_id} for {rt.name} {identifier}",
            f"{principal.email} asks you to {kind} {rt.name} record {identifier}"
            f" ({_title(request)}).\n\nMessage: {message or '-'}\n\n"
            f"Decide before {request['deadline']}: {public_url()}/api/v1/requests/{request_id}\n",
        )
        return request

    def _deciders(self, conn: Connection, rt: RecordType, owner: str) -> list[str]:
        if rt.is_national:
            return self.directory.emails_with_role(conn, "nfp", owner)
        return self.directory.emails_with_role(conn, "secretariat", None)

    def list_requests(
        self, principal: Principal, *, state: str | None = None
    ) -> list[dict[str, Any]]:
        """The principal's own requests and those they must act on, newest first."""
        if principal.is_anonymous:
            return []
        mine = publishing_requests.c.requested_by == principal.user_id
        cond = [mine]
        nfp_of = [c for r, c in principal.roles if r == "nfp" and c]
        if nfp_of:
            cond.append(publishing_requests.c.owner.in_(nfp_of))
        if principal.has_role("secretariat"):
            cond.append(publishing_requests.c.owner == "SCBD")
        stmt = select(publishing_requests).where(or_(*cond))
        if state:
            stmt = stmt.where(publishing_requests.c.state == state)
        stmt = stmt.order_by(publishing_requests.c.id.desc()).limit(1000)
        with self.store.reading() as conn:
            rows = list(conn.execute(stmt))
            out = []
            for row in rows:
                rt = self._rt(row.schema, row.realm)
                if row.requested_by == principal.user_id or may_decide(principal, rt, row.owner):
                    out.append(self._request_json(conn, row))
            return out

    def get_request(self, principal: Principal, request_id: int) -> dict[str, Any]:
        with self.store.reading() as conn:
            row = self._row(conn, request_id)
            rt = self._rt(row.schema, row.realm)
            if row.requested_by != principal.user_id and not may_decide(principal, rt, row.owner):
                raise NotFound(f"no request {request_id} of yours")
            return self._request_json(conn, row)

    def approve(
        self, principal: Principal, request_id: int, *, comment: str | None = None
    ) -> dict[str, Any]:
        row, rt = self._decidable(principal, request_id)
        if row.kind == "publish":
            with self.store.reading() as conn:
                draft = self.drafts.find(conn, row.identifier)
            if draft is None:
                raise Conflict(f"the draft of {row.identifier} is gone; reject the request")
            self._valid(draft)
            self._publish(principal, draft, request_id)
        else:
            with self.store.reading() as conn:
                doc = self.store.document_by_identifier(conn, row.identifier)
            if doc is None or doc.deleted_at is not None:
                raise Conflict(f"{row.identifier} is not published any more; reject the request")
            self._delete(principal, doc, row.message or "deletion request approved", request_id)
        return self._notify(request_id, "approved", comment)

    def reject(self, principal: Principal, request_id: int, *, reason: str) -> dict[str, Any]:
        if not isinstance(reason, str) or not reason.strip():
            raise BadRequest(
                "a rejection needs a reason",
                errors=[{"code": "Error.Mandatory", "path": "reason", "message": "give a reason"}],
            )
        row, _rt = self._decidable(principal, request_id)
        by = principal.email or "?"
        with self.store.writing() as conn:
            self._close(conn, request_id, "rejected", by, reason.strip(), None)
            audit.write(
                conn, by, "request.reject", record=row.identifier,
                detail={"request": request_id, "reason": reason.strip()},
            )  # fmt: skip
        return self._notify(request_id, "rejected", reason.strip())

    def _decidable(self, principal: Principal, request_id: int):
        with self.store.reading() as conn:
            row = self._row(conn, request_id)
        rt = self._rt(row.schema, row.realm)
        require(principal, Action.DECIDE, Target(rt, row.owner))
        if row.state != "pending":
            raise Conflict(f"request {request_id} is {row.state}")
        if as_utc(row.deadline) <= utcnow():
            self.tick()
            raise Conflict(f"request {request_id} expired on {iso_utc(row.deadline)}")
        return row, rt

    def _close(self, conn, request_id: int, state: str, by: str, reason, result) -> None:
        done = conn.execute(
            update(publishing_requests)
            .where(publishing_requests.c.id == request_id, publishing_requests.c.state == "pending")
            .values(state=state, decided_by=by, decided_at=utcnow(), reason=reason, result=result)
        ).rowcount
        if not done:
            raise Conflict(f"request {request_id} was decided meanwhile")

    def _notify(self, request_id: int, state: str, note: str | None) -> dict[str, Any]:
        with self.store.reading() as conn:
            request = self._request_json(conn, self._row(conn, request_id))
        self.mailer.send(
            request["requestedBy"],
            f"BCH: your {request['kind']} request {request_id} was {state}",
            f"{request['decidedBy']} {state} your request to {request['kind']} "
            f"{request['schema']} record {request['identifier']} ({_title(request)})."
            + (f"\n\nReason: {note}" if note else "")
            + (f"\n\nRecord: {request['result']}" if request.get("result") else ""),
        )
        return request

    # -- deadlines --------------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> TickReport:
        """Send due reminders and expire overdue requests (`bch workflow tick`, run by cron)."""
        from bch.services.deadlines import tick

        return tick(self, now or utcnow())

    # -- helpers --------------------------------------------------------------------------------
    def _rt(self, schema: str, realm: str) -> RecordType:
        return self.registry.record_type(schema, realm)

    @staticmethod
    def _message(message: Any) -> str | None:
        if message is None:
            return None
        if not isinstance(message, str):
            raise BadRequest("message must be text")
        if len(message) > MAX_MESSAGE:
            raise BadRequest(f"message is longer than {MAX_MESSAGE} characters")
        return message.strip() or None

    @staticmethod
    def _row(conn: Connection, request_id: int):
        row = conn.execute(
            select(publishing_requests).where(publishing_requests.c.id == request_id)
        ).first()
        if row is None:
            raise NotFound(f"no request {request_id}")
        return row

    def _request_json(self, conn: Connection, row) -> dict[str, Any]:
        requester = conn.execute(select(users.c.email).where(users.c.id == row.requested_by))
        draft = self.drafts.find(conn, row.identifier) if row.kind == "publish" else None
        title = None
        if draft is not None:
            title = display_title(self._rt(row.schema, row.realm), draft.document)
        else:
            doc = self.store.document_by_identifier(conn, row.identifier)
            title = doc.title if doc else None
        return {
            "id": row.id,
            "kind": row.kind,
            "identifier": row.identifier,
            "realm": row.realm,
            "schema": row.schema,
            "country": None if row.owner == "SCBD" else row.owner,
            "title": title,
            "message": row.message,
            "state": row.state,
            "requestedBy": requester.scalar_one_or_none(),
            "requestedAt": iso_utc(row.requested_at),
            "deadline": iso_utc(row.deadline),
            "remindersSent": row.reminders_sent,
            "decidedBy": row.decided_by,
            "decidedAt": iso_utc(row.decided_at),
            "reason": row.reason,
            "result": row.result,
            "draft": f"/api/v1/drafts/{row.identifier}" if draft is not None else None,
            "draftRevision": draft.revision if draft is not None else None,
        }


def _title(request: dict[str, Any]) -> str:
    title = request.get("title") or {}
    return title.get("en") or next(iter(title.values()), "") if title else ""
