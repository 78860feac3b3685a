"""Drafts and publishing requests (tables `drafts` and `publishing_requests`). Neither reaches
`documents`, search or the change sequence: only an approved publication does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from bch.storage.rows import as_utc
from bch.storage.tables import drafts, publishing_requests, users

LIST_LIMIT = 1000


@dataclass(frozen=True)
class Draft:
    """A possibly incomplete record document saved before publication (one per identifier)."""

    id: int
    identifier: str
    realm: str
    schema: str
    owner: str
    document: dict[str, Any]
    revision: int
    base_revision: int | None
    author_id: int
    created_at: datetime
    updated_at: datetime
    updated_by: str

    @property
    def etag(self) -> str:
        return f"draft-{self.revision}"


def _draft(row) -> Draft:
    m = dict(row._mapping)
    m["created_at"] = as_utc(m["created_at"])
    m["updated_at"] = as_utc(m["updated_at"])
    return Draft(**m)


class DraftRepository:
    def find(self, conn: Connection, identifier: str) -> Draft | None:
        row = conn.execute(select(drafts).where(drafts.c.identifier == identifier)).first()
        return _draft(row) if row else None

    def visible(
        self, conn: Connection, *, author_id: int | None, countries: Sequence[str] | None
    ) -> list[Draft]:
        """Newest first: every draft (`countries=None`), or those started by `author_id` or
        owned by one of `countries`."""
        stmt = select(drafts).order_by(drafts.c.updated_at.desc(), drafts.c.id.desc())
        if countries is not None:
            stmt = stmt.where(
                or_(drafts.c.author_id == author_id, drafts.c.owner.in_(list(countries)))
            )
        return [_draft(r) for r in conn.execute(stmt.limit(LIST_LIMIT))]

    def create(
        self,
        conn: Connection,
        *,
        identifier: str,
        realm: str,
        schema: str,
        owner: str,
        document: dict[str, Any],
        base_revision: int | None,
        author_id: int,
        at: datetime,
        by: str,
    ) -> Draft:
        draft_id = conn.execute(
            insert(drafts).values(
                identifier=identifier,
                realm=realm,
                schema=schema,
                owner=owner,
                document=document,
                revision=1,
                base_revision=base_revision,
                author_id=author_id,
                created_at=at,
                updated_at=at,
                updated_by=by,
            )
        ).inserted_primary_key[0]
        return self._by_id(conn, draft_id)

    def replace(
        self,
        conn: Connection,
        draft: Draft,
        *,
        document: dict[str, Any],
        owner: str,
        at: datetime,
        by: str,
    ) -> Draft:
        """The next revision of `draft` (only if it is still at its revision)."""
        conn.execute(
            update(drafts)
            .where(drafts.c.id == draft.id, drafts.c.revision == draft.revision)
            .values(
                document=document,
                owner=owner,
                revision=draft.revision + 1,
                updated_at=at,
                updated_by=by,
            )
        )
        return self._by_id(conn, draft.id)

    def delete(self, conn: Connection, draft_id: int) -> None:
        conn.execute(delete(drafts).where(drafts.c.id == draft_id))

    @staticmethod
    def _by_id(conn: Connection, draft_id: int) -> Draft:
        return _draft(conn.execute(select(drafts).where(drafts.c.id == draft_id)).one())


@dataclass(frozen=True)
class RequestRow:
    """A publishing or deletion request, with the e-mail address of who asked."""

    id: int
    kind: str  # publish | delete
    identifier: str
    realm: str
    schema: str
    owner: str
    message: str | None
    state: str  # pending | approved | rejected | expired
    requested_by: int
    requested_by_email: str | None
    requested_at: datetime
    deadline: datetime
    reminders_sent: int
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    result: str | None


_REQUESTS = select(publishing_requests, users.c.email.label("requested_by_email")).join_from(
    publishing_requests, users, users.c.id == publishing_requests.c.requested_by, isouter=True
)


def _request(row) -> RequestRow:
    m = dict(row._mapping)
    for key in ("requested_at", "deadline", "decided_at"):
        m[key] = as_utc(m[key])
    return RequestRow(**m)


class RequestRepository:
    def get(self, conn: Connection, request_id: int) -> RequestRow | None:
        row = conn.execute(_REQUESTS.where(publishing_requests.c.id == request_id)).first()
        return _request(row) if row else None

    def pending_on(self, conn: Connection, identifier: str) -> int | None:
        """The id of the pending request on a record, if any."""
        return conn.execute(
            select(publishing_requests.c.id).where(
                publishing_requests.c.identifier == identifier,
                publishing_requests.c.state == "pending",
            )
        ).scalar()

    def pending(self, conn: Connection) -> list[RequestRow]:
        return [
            _request(r)
            for r in conn.execute(_REQUESTS.where(publishing_requests.c.state == "pending"))
        ]

    def visible(
        self,
        conn: Connection,
        *,
        requested_by: int | None,
        owners: Sequence[str],
        state: str | None,
    ) -> list[RequestRow]:
        """Newest first: requests made by `requested_by` or on records of `owners`."""
        cond = [publishing_requests.c.requested_by == requested_by]
        if owners:
            cond.append(publishing_requests.c.owner.in_(list(owners)))
        stmt = _REQUESTS.where(or_(*cond))
        if state:
            stmt = stmt.where(publishing_requests.c.state == state)
        stmt = stmt.order_by(publishing_requests.c.id.desc()).limit(LIST_LIMIT)
        return [_request(r) for r in conn.execute(stmt)]

    def open(
        self,
        conn: Connection,
        *,
        kind: str,
        identifier: str,
        realm: str,
        schema: str,
        owner: str,
        message: str | None,
        requested_by: int | None,
        at: datetime,
        deadline: datetime,
    ) -> int:
        return conn.execute(
            insert(publishing_requests).values(
                kind=kind,
                identifier=identifier,
                realm=realm,
                schema=schema,
                owner=owner,
                message=message,
                state="pending",
                requested_by=requested_by,
                requested_at=at,
                deadline=deadline,
                reminders_sent=0,
            )
        ).inserted_primary_key[0]

    def decide(
        self,
        conn: Connection,
        request_id: int,
        *,
        state: str,
        by: str,
        at: datetime,
        reason: str | None = None,
        result: str | None = None,
    ) -> bool:
        """Close a pending request; False when it was not pending any more."""
        return bool(
            conn.execute(
                update(publishing_requests)
                .where(
                    publishing_requests.c.id == request_id,
                    publishing_requests.c.state == "pending",
                )
                .values(state=state, decided_by=by, decided_at=at, reason=reason, result=result)
            ).rowcount
        )

    def pending_publish_on(self, conn: Connection, identifier: str) -> list[RequestRow]:
        return [
            _request(r)
            for r in conn.execute(
                _REQUESTS.where(
                    publishing_requests.c.identifier == identifier,
                    publishing_requests.c.kind == "publish",
                    publishing_requests.c.state == "pending",
                )
            )
        ]

    def set_reminders(self, conn: Connection, request_id: int, sent: int) -> None:
        conn.execute(
            update(publishing_requests)
            .where(publishing_requests.c.id == request_id)
            .values(reminders_sent=sent)
        )
