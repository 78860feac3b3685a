"""The publishing workflow: draft -> publishing request (with a message) -> approve (possibly after
the decider edited the draft) or reject (with a reason) -> published revision. Deletions go the
same way and end in a tombstone. Requests have a deadline (BCH_REQUEST_DEADLINE_DAYS, 83 days by
default) with reminder mails; when it passes the request expires and the draft stays a draft
(bch.services.deadlines).

Every write is one unit of work: publishing or deleting (through RecordService, which joins it),
closing the draft and request, and the audit entry commit together or not at all. Each records a
RequestEvent; the mails (to the deciders, to the requester) are subscribers of those events
(bch.services.notifications) and run after the commit. Nothing here writes `documents` or the
change sequence directly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bch.records.fields import RecordType
from bch.records.realms import RealmRegistry
from bch.services import audit
from bch.services.deadlines import DeadlineService, TickReport
from bch.services.documents import display_title
from bch.services.drafts import Draft, DraftService
from bch.services.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from bch.services.permissions import (
    Action,
    Outcome,
    Target,
    may_decide,
    outcome,
    require,
    target,
)
from bch.services.policy import Principal
from bch.services.publishing_requests import request_change, request_event, request_json
from bch.services.records import Published, RecordService
from bch.services.unit_of_work import Transaction, UnitOfWork
from bch.services.users import UserDirectory
from bch.storage.database import Connection
from bch.storage.drafts import RequestRepository, RequestRow
from bch.storage.rows import DocumentRow, iso_utc, utcnow

DEFAULT_DEADLINE_DAYS = 83
MAX_MESSAGE = 1000  # as additionalInfo in the real BCH


@dataclass(frozen=True)
class RecordActions:
    """What a principal may do with a published record (for the buttons of its page): each is
    ALLOW (done directly), REQUEST (through a request) or DENY; `pending` is the id of a request
    on the record that waits for a decision."""

    edit: Outcome
    publish: Outcome
    delete: Outcome
    pending: int | None = None


@dataclass(frozen=True)
class RequestChange:
    """What a request would change: `kind` publication (a record never published), revision (a
    new revision of a published record) or deletion; `before` the published revision's document
    (None for a publication), `after` the draft's (None for a deletion)."""

    kind: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    uid: str | None  # the published record's UID with its revision, if any


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
        requests: RequestRepository,
        directory: UserDirectory,
        deadlines: DeadlineService,
        uow: UnitOfWork,
        deadline_days: int = DEFAULT_DEADLINE_DAYS,
    ):
        self.deadline_days = max(1, deadline_days)  # BCH_REQUEST_DEADLINE_DAYS
        # a national node hands a publish to the central: (document, by) -> outbox entry id,
        # or None where this installation publishes itself (set by the container)
        self.forward: Callable[[dict[str, Any], str], int | None] | None = None
        self.records = records
        self.drafts = drafts_
        self.requests = requests
        self.store = records.store
        self.registry: RealmRegistry = records.registry
        self.directory = directory
        self.deadlines = deadlines
        self.uow = uow

    # -- publish ----------------------------------------------------------------------------------
    def publish_draft(
        self, principal: Principal, identifier: str, *, message: str | None = None
    ) -> WriteResult:
        draft = self.drafts.get(principal, identifier)
        rt = self._rt(draft.schema, draft.realm)
        with self.store.reading() as conn:  # a new revision of a published record: its author
            record = self.store.document_by_identifier(conn, identifier)
            what = self._target(conn, rt, draft.owner, record, draft.author_id)
        decision = require(principal, Action.PUBLISH, what)
        self._valid(draft)
        message = self._message(message)
        if decision is Outcome.ALLOW:
            published = self._publish(principal, draft, request_id=None)
            return WriteResult("published", published=published)
        request = self._open(principal, "publish", rt, draft.owner, identifier, message)
        return WriteResult("requested", request=request)

    def _target(
        self,
        conn: Connection,
        rt: RecordType,
        owner: str,
        record: DocumentRow | None,
        draft_author: int | None = None,
    ) -> Target:
        return target(
            rt,
            owner,
            record=record,
            author_of=lambda doc_id: self.store.record_author(conn, doc_id),
            draft_author=draft_author,
        )

    def _valid(self, draft: Draft) -> None:
        result = self.drafts.check(draft.document)
        if not result.ok:
            raise ValidationFailed(
                "the draft is not complete enough to publish",
                errors=[p.as_dict() for p in result.errors],
            )

    def _publish(self, principal: Principal, draft: Draft, request_id: int | None) -> Published:
        by = principal.email or "?"
        queued = self.forward(draft.document, by) if self.forward is not None else None
        if queued is not None:  # a national node: the central publishes it (issue 12)
            with self.uow() as tx:
                self.drafts.repo.delete(tx.conn, draft.id)
                if request_id is not None:
                    self._close(tx, request_id, "approved", by, None, draft.identifier)
                audit.write(
                    tx.conn, by, "record.forward", record=draft.identifier, before=None,
                    after=draft.document, detail={"outbox": queued},
                )  # fmt: skip
            note = f"sent to the central clearing-house (outbox entry {queued}); it appears "
            note += "here once the central has published it"
            return Published(
                draft.identifier,
                draft.identifier,
                draft.schema,
                draft.base_revision or 0,
                True,
                [{"code": "Info.Forwarded", "path": "", "message": note}],
            )
        with self.store.reading() as conn:
            record = self.store.document_by_identifier(conn, draft.identifier)
        if self._stale(draft, record):
            raise PreconditionFailed(
                f"{draft.identifier} was published meanwhile (revision "
                f"{record.latest_revision if record else '?'}); the draft is kept: reload, merge "
                "and save it again"
            )
        with self.uow() as tx:
            result = self.records.publish(draft.document, by=by, strict=False)  # joins tx
            # the draft must be the one validated, and the record still at the draft's base
            current = self.drafts.find(tx.conn, draft.identifier)
            if current is None or current.revision != draft.revision:
                raise PreconditionFailed("the draft changed meanwhile; nothing was published")
            self.drafts.repo.delete(tx.conn, draft.id)
            if request_id is not None:
                self._close(tx, request_id, "approved", by, None, result.uid)
            else:  # a focal point publishing directly settles a pending request on the draft
                for row in self.requests.pending_publish_on(tx.conn, draft.identifier):
                    if self.requests.decide(
                        tx.conn, row.id, state="approved", by=by, at=utcnow(), result=result.uid
                    ):
                        tx.record(request_event("settled", row, by, None))
            audit.write(
                tx.conn, by, "record.publish", record=draft.identifier, revision=result.revision,
                before=None, after=draft.document,
                detail={"uid": result.uid, "request": request_id, "changed": result.changed},
            )  # fmt: skip
        return result

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
        view = self.records.get(ref, principal=principal, with_links=False)
        doc = view.doc
        rt = self._rt(doc.schema, doc.realm)
        with self.store.reading() as conn:
            decision = require(principal, Action.DELETE, self._target(conn, rt, doc.owner, doc))
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
        with self.uow() as tx:
            current = self.store.document_by_identifier(tx.conn, doc.identifier)
            stone = self.records.delete(doc.identifier, reason=reason, by=by)  # joins tx
            assert current is not None  # records.delete found it
            body = self.store.revision(tx.conn, current.id, current.latest_revision)
            if request_id is not None:
                self._close(tx, request_id, "approved", by, None, f"deleted:{current.id}")
            audit.write(
                tx.conn, by, "record.delete", record=current.identifier,
                revision=current.latest_revision, before=body.body if body else None,
                detail={"reason": reason, "request": request_id},
            )  # fmt: skip
        return stone

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
        with self.uow() as tx:
            pending = self.requests.pending_on(tx.conn, identifier)
            if pending is not None:
                raise Conflict(f"request {pending} on {identifier} is already pending")
            request_id = self.requests.open(
                tx.conn,
                kind=kind,
                identifier=identifier,
                realm=rt.realm,
                schema=rt.name,
                owner=owner,
                message=message,
                requested_by=principal.user_id,
                at=now,
                deadline=now + timedelta(days=self.deadline_days),
            )
            audit.write(
                tx.conn, principal.email or "?", f"request.{kind}", record=identifier,
                detail={"request": request_id, "message": message},
            )  # fmt: skip
            row = self._row(tx.conn, request_id)
            request = self.request_json(tx.conn, row)
            tx.record(request_event("opened", row, principal.email or "?", message))
        return request

    def deciders(self, schema: str, realm: str, owner: str) -> list[str]:
        """Who decides requests on records of this type and owner: the country's focal points,
        or the Secretariat for reference records."""
        rt = self._rt(schema, realm)
        with self.store.reading() as conn:
            if rt.is_national:
                return self.directory.emails_with_role(conn, "nfp", owner)
            return self.directory.emails_with_role(conn, "secretariat", None)

    def list_requests(
        self, principal: Principal, *, state: str | None = None
    ) -> list[dict[str, Any]]:
        """The principal's own requests and those they must act on, newest first."""
        if principal.is_anonymous:
            return []
        owners = [c for r, c in principal.roles if r == "nfp" and c]
        if principal.has_role("secretariat"):
            owners.append("SCBD")
        with self.store.reading() as conn:
            rows = self.requests.visible(
                conn, requested_by=principal.user_id, owners=owners, state=state
            )
            out = []
            for row in rows:
                rt = self._rt(row.schema, row.realm)
                if row.requested_by == principal.user_id or may_decide(principal, rt, row.owner):
                    out.append(self.request_json(conn, row))
            return out

    def get_request(self, principal: Principal, request_id: int) -> dict[str, Any]:
        with self.store.reading() as conn:
            row = self._row(conn, request_id)
            rt = self._rt(row.schema, row.realm)
            if row.requested_by != principal.user_id and not may_decide(principal, rt, row.owner):
                raise NotFound(f"no request {request_id} of yours")
            return self.request_json(conn, row)

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
            with self.uow() as tx:
                self._publish(principal, draft, request_id)
                self._record(tx, "approved", request_id, principal.email or "?", comment)
        else:
            with self.store.reading() as conn:
                doc = self.store.document_by_identifier(conn, row.identifier)
            if doc is None or doc.deleted_at is not None:
                raise Conflict(f"{row.identifier} is not published any more; reject the request")
            with self.uow() as tx:
                self._delete(principal, doc, row.message or "deletion request approved", request_id)
                self._record(tx, "approved", request_id, principal.email or "?", comment)
        return self.request(request_id)

    def reject(self, principal: Principal, request_id: int, *, reason: str) -> dict[str, Any]:
        if not isinstance(reason, str) or not reason.strip():
            raise BadRequest(
                "a rejection needs a reason",
                errors=[{"code": "Error.Mandatory", "path": "reason", "message": "give a reason"}],
            )
        row, _rt = self._decidable(principal, request_id)
        by = principal.email or "?"
        with self.uow() as tx:
            self._close(tx, request_id, "rejected", by, reason.strip(), None)
            audit.write(
                tx.conn, by, "request.reject", record=row.identifier,
                detail={"request": request_id, "reason": reason.strip()},
            )  # fmt: skip
            self._record(tx, "rejected", request_id, by, reason.strip())
        return self.request(request_id)

    def _decidable(self, principal: Principal, request_id: int) -> tuple[RequestRow, RecordType]:
        with self.store.reading() as conn:
            row = self._row(conn, request_id)
        rt = self._rt(row.schema, row.realm)
        require(principal, Action.DECIDE, Target(rt, row.owner))
        if row.state != "pending":
            raise Conflict(f"request {request_id} is {row.state}")
        if row.deadline <= utcnow():
            self.tick()
            raise Conflict(f"request {request_id} expired on {iso_utc(row.deadline)}")
        return row, rt

    def _close(
        self,
        tx: Transaction,
        request_id: int,
        state: str,
        by: str,
        reason: str | None,
        result: str | None,
    ) -> None:
        if not self.requests.decide(
            tx.conn, request_id, state=state, by=by, at=utcnow(), reason=reason, result=result
        ):
            raise Conflict(f"request {request_id} was decided meanwhile")

    def _record(
        self, tx: Transaction, action: str, request_id: int, by: str, note: str | None
    ) -> None:
        tx.record(request_event(action, self._row(tx.conn, request_id), by, note))

    def request(self, request_id: int) -> dict[str, Any]:
        """A request as the API shows it, without a permission check (for the service's own
        answers and the notifications)."""
        with self.store.reading() as conn:
            return self.request_json(conn, self._row(conn, request_id))

    # -- what the pages show ----------------------------------------------------------------------
    def actions_on(self, principal: Principal, doc: DocumentRow) -> RecordActions:
        """The outcomes of editing, publishing and deleting the published record `doc`."""
        deny = RecordActions(Outcome.DENY, Outcome.DENY, Outcome.DENY)
        if principal.is_anonymous:
            return deny
        rt = self._rt(doc.schema, doc.realm)
        with self.store.reading() as conn:
            mine = self._target(conn, rt, doc.owner, doc)
            pending = self.requests.pending_on(conn, doc.identifier)
        return RecordActions(
            outcome(principal, Action.EDIT, mine),
            outcome(principal, Action.PUBLISH, mine),
            outcome(principal, Action.DELETE, mine),
            pending,
        )

    def publish_outcome(
        self, principal: Principal, schema: str, realm: str, owner: str | None, identifier: str
    ) -> Outcome:
        """Whether publishing the draft of `identifier` would publish (ALLOW) or open a request
        (REQUEST); for a record not published yet, with the owner the form names."""
        rt = self._rt(schema, realm)
        with self.store.reading() as conn:
            record = self.store.document_by_identifier(conn, identifier)
            mine = self._target(conn, rt, record.owner if record else owner or "", record)
        return outcome(principal, Action.PUBLISH, mine)

    def change_of(self, principal: Principal, request_id: int) -> RequestChange:
        """What the request would change, for those who may see the request."""
        request = self.get_request(principal, request_id)  # 404 for others
        identifier = request["identifier"]
        with self.store.reading() as conn:
            record = self.store.document_by_identifier(conn, identifier)
            draft = self.drafts.find(conn, identifier) if request["kind"] == "publish" else None
        live = record is not None and record.deleted_at is None
        before = uid = None
        if live:
            view = self.records.get(identifier, principal=principal, with_links=False)
            before, uid = view.document, view.uid
        after = draft.document if draft is not None else None
        if request["kind"] == "delete":
            return RequestChange("deletion", before, None, uid)
        return RequestChange("revision" if live else "publication", before, after, uid)

    # -- deadlines --------------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> TickReport:
        """Send due reminders and expire overdue requests (`bch workflow tick`, run by cron)."""
        return self.deadlines.tick(now or utcnow())

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

    def _row(self, conn: Connection, request_id: int) -> RequestRow:
        row = self.requests.get(conn, request_id)
        if row is None:
            raise NotFound(f"no request {request_id}")
        return row

    def request_json(self, conn: Connection, row: RequestRow) -> dict[str, Any]:
        draft = self.drafts.find(conn, row.identifier) if row.kind == "publish" else None
        doc = self.store.document_by_identifier(conn, row.identifier)
        if draft is not None:
            title = display_title(self._rt(row.schema, row.realm), draft.document)
        else:
            title = doc.title if doc else None
        change = request_change(row, doc.created_at if doc else None)
        return request_json(row, draft, title, change)
