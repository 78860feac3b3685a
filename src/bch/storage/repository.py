"""Record storage: publish revisions, tombstones, the change sequence, and the reads behind the API.

All SQL lives here; services call these methods inside one transaction per change."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from bch.records.identifiers import RecordUid
from bch.storage.engine import is_postgres
from bch.storage.scope import EVERYTHING, ReadScope, scope_filter
from bch.storage.search import text_search_for
from bch.storage.search_index import clear_index, replace_index
from bch.storage.sequence import WRITERS_LOCK, append_change, last_sequence
from bch.storage.sqlite_locking import patience
from bch.storage.tables import (
    detection_method_lmos,
    detection_methods,
    documents,
    lmo_uids,
    record_links,
    revisions,
    search_documents,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DocumentRow:
    id: int
    identifier: str
    realm: str
    schema: str
    short_code: str
    owner: str
    latest_revision: int
    title: dict[str, str]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    deleted_by: str | None
    delete_reason: str | None

    @property
    def uid_base(self) -> str:
        return f"{self.realm}-{self.short_code}-{self.owner}-{self.id}"


@dataclass(frozen=True)
class RevisionRow:
    document_id: int
    revision: int
    body: dict[str, Any]
    hash: str
    created_at: datetime
    created_by: str
    warnings: list[dict[str, str]]


@dataclass(frozen=True)
class NewRevision:
    identifier: str
    realm: str
    schema: str
    short_code: str
    owner: str
    title: dict[str, str]
    body: dict[str, Any]
    hash: str
    by: str
    warnings: list[dict[str, str]]
    links: list[tuple[str, str, int | None]]  # (field, target identifier, pinned revision)
    lmo_keys: list[tuple[str, str]]  # (uid key, exact|component)
    search_text: str
    facets: list[tuple[str, str]] = field(default_factory=list)  # (field, value): search filters
    texts: dict[str, str] = field(default_factory=dict)  # language -> full text of that language


def _doc(row) -> DocumentRow:
    return _doc_from(dict(row._mapping))


def _doc_from(m: dict[str, Any]) -> DocumentRow:
    for key in ("created_at", "updated_at", "deleted_at"):
        m[key] = _as_utc(m[key])
    return DocumentRow(**m)


def _as_utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite returns naive datetimes
    return value


def iso_utc(value: datetime | None) -> str | None:
    """A stored moment as the API writes it: ISO 8601 in UTC with a Z (None stays None)."""
    value = _as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value else None


# Statements of the hot read paths, built once (building a statement costs more than running it)
LIVE = documents.c.deleted_at.is_(None)  # the public read filter (bch.services.policy)
_BY_ID = select(documents).where(documents.c.id == bindparam("doc_id"))
_BY_IDENTIFIER = select(documents).where(documents.c.identifier == bindparam("identifier"))
_REVISION = select(revisions).where(
    revisions.c.document_id == bindparam("doc_id"), revisions.c.revision == bindparam("number")
)
_REFERENCING = (
    select(record_links.c.field, documents)
    .join(documents, documents.c.id == record_links.c.source_id)
    .where(record_links.c.target_identifier == bindparam("identifier"), LIVE)
    .order_by(documents.c.schema, documents.c.id)
)


class RecordStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.postgres = is_postgres(engine)
        self.text_search = text_search_for(engine)

    # -- transactions ---------------------------------------------------------------------------
    @contextmanager
    def writing(self, *, wait: float | None = None) -> Iterator[Connection]:
        """A write transaction: commits on success, rolls back on any error. It takes the lock
        that orders writers before anything else: SQLite's write lock (BEGIN IMMEDIATE; other
        writers wait up to the busy timeout, or `wait` seconds when given) or, on PostgreSQL,
        an advisory lock held until commit. So change sequence numbers are gap-free and
        committed in order (bch.storage.sequence)."""
        conn = self.engine.connect().execution_options(sqlite_immediate=True)
        with conn, ExitStack() as stack:
            if wait is not None and not self.postgres:
                stack.enter_context(patience(conn, wait))
            with conn.begin():
                if self.postgres:
                    conn.execute(WRITERS_LOCK)
                yield conn

    def reading(self) -> Connection:
        """A connection for reads: its transactions never take SQLite's write lock, even one
        opened with begin() (a consistent snapshot over several statements)."""
        return self.engine.connect().execution_options(sqlite_immediate=False)

    # -- writes ---------------------------------------------------------------------------------
    def publish(self, conn: Connection, rev: NewRevision) -> tuple[DocumentRow, int, bool]:
        """Store a new revision unless the body is unchanged. Returns (document, revision, changed)."""
        now = utcnow()
        row = conn.execute(
            select(documents).where(documents.c.identifier == rev.identifier)
        ).first()
        if row is not None:
            doc = _doc(row)
            if doc.deleted_at is None:
                latest = conn.execute(
                    select(revisions.c.hash).where(
                        revisions.c.document_id == doc.id,
                        revisions.c.revision == doc.latest_revision,
                    )
                ).scalar_one()
                if latest == rev.hash:
                    return doc, doc.latest_revision, False
            number = doc.latest_revision + 1
            conn.execute(
                update(documents)
                .where(documents.c.id == doc.id)
                .values(
                    latest_revision=number,
                    title=rev.title,
                    updated_at=now,
                    deleted_at=None,
                    deleted_by=None,
                    delete_reason=None,
                )
            )
            doc_id = doc.id
        else:
            number = 1
            doc_id = conn.execute(
                insert(documents).values(
                    identifier=rev.identifier,
                    realm=rev.realm,
                    schema=rev.schema,
                    short_code=rev.short_code,
                    owner=rev.owner,
                    latest_revision=1,
                    title=rev.title,
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
        conn.execute(
            insert(revisions).values(
                document_id=doc_id,
                revision=number,
                body=rev.body,
                hash=rev.hash,
                created_at=now,
                created_by=rev.by,
                warnings=rev.warnings,
            )
        )
        append_change(conn, doc_id, number, "publish", now)
        self._replace_derived(conn, doc_id, rev)
        doc = _doc(conn.execute(select(documents).where(documents.c.id == doc_id)).one())
        return doc, number, True

    def _replace_derived(self, conn: Connection, doc_id: int, rev: NewRevision) -> None:
        conn.execute(delete(record_links).where(record_links.c.source_id == doc_id))
        links = {(f, t): r for f, t, r in rev.links}
        if links:
            conn.execute(
                insert(record_links),
                [
                    {"source_id": doc_id, "field": f, "target_identifier": t, "target_revision": r}
                    for (f, t), r in links.items()
                ],
            )
        conn.execute(delete(lmo_uids).where(lmo_uids.c.document_id == doc_id))
        keys = dict(rev.lmo_keys)
        if keys:
            conn.execute(
                insert(lmo_uids),
                [{"uid_key": k, "document_id": doc_id, "kind": kind} for k, kind in keys.items()],
            )
        conn.execute(delete(search_documents).where(search_documents.c.document_id == doc_id))
        conn.execute(insert(search_documents).values(document_id=doc_id, content=rev.search_text))
        replace_index(conn, doc_id, rev.facets, rev.texts)

    def tombstone(self, conn: Connection, doc: DocumentRow, reason: str, by: str) -> DocumentRow:
        now = utcnow()
        conn.execute(
            update(documents)
            .where(documents.c.id == doc.id)
            .values(deleted_at=now, deleted_by=by, delete_reason=reason, updated_at=now)
        )
        append_change(conn, doc.id, doc.latest_revision, "delete", now)
        # a deleted record is no longer found by search, UID or links; its revisions stay.
        conn.execute(delete(search_documents).where(search_documents.c.document_id == doc.id))
        conn.execute(delete(lmo_uids).where(lmo_uids.c.document_id == doc.id))
        conn.execute(delete(record_links).where(record_links.c.source_id == doc.id))
        clear_index(conn, doc.id)
        return _doc(conn.execute(select(documents).where(documents.c.id == doc.id)).one())

    def replace_detection_methods(self, conn: Connection, methods: Sequence[dict[str, Any]]) -> int:
        """Upsert detection methods by (source, code) and their LMO keys; returns rows changed."""
        existing = {
            (r.source, r.code): (r.id, r.data, r.method_type, r.scope, r.target)
            for r in conn.execute(select(detection_methods))
        }
        linked: dict[int, set[str]] = {}
        for r in conn.execute(select(detection_method_lmos)):
            linked.setdefault(r.method_id, set()).add(r.uid_key)
        changed = 0
        for m in methods:
            key = (m["source"], m["code"])
            values = {k: m[k] for k in ("method_type", "scope", "target", "data")}
            old = existing.get(key)
            if old and old[1:] == (m["data"], m["method_type"], m["scope"], m["target"]):
                method_id = old[0]
                if linked.get(method_id, set()) == set(m["lmo_keys"]):
                    continue
            elif old:
                method_id = old[0]
                conn.execute(
                    update(detection_methods)
                    .where(detection_methods.c.id == method_id)
                    .values(**values)
                )
            else:
                method_id = conn.execute(
                    insert(detection_methods).values(source=m["source"], code=m["code"], **values)
                ).inserted_primary_key[0]
            conn.execute(
                delete(detection_method_lmos).where(detection_method_lmos.c.method_id == method_id)
            )
            if m["lmo_keys"]:
                conn.execute(
                    insert(detection_method_lmos),
                    [{"method_id": method_id, "uid_key": k} for k in sorted(set(m["lmo_keys"]))],
                )
            changed += 1
        return changed

    # -- reads ----------------------------------------------------------------------------------
    def document_by_identifier(self, conn: Connection, identifier: str) -> DocumentRow | None:
        row = conn.execute(_BY_IDENTIFIER, {"identifier": identifier}).first()
        return _doc(row) if row else None

    def document_by_id(self, conn: Connection, doc_id: int) -> DocumentRow | None:
        row = conn.execute(_BY_ID, {"doc_id": doc_id}).first()
        return _doc(row) if row else None

    def document_by_uid(self, conn: Connection, uid: RecordUid) -> DocumentRow | None:
        """The record a UID names: its document id, checked against realm, type and owner."""
        doc = self.document_by_id(conn, uid.document_id)
        if doc and (doc.realm, doc.short_code, doc.owner) == (uid.realm, uid.short_code, uid.owner):
            return doc
        return None

    def revision(self, conn: Connection, doc_id: int, number: int) -> RevisionRow | None:
        row = conn.execute(_REVISION, {"doc_id": doc_id, "number": number}).first()
        return _revision(row) if row else None

    def history(self, conn: Connection, doc_id: int) -> list[RevisionRow]:
        rows = conn.execute(
            select(revisions)
            .where(revisions.c.document_id == doc_id)
            .order_by(revisions.c.revision)
        )
        return [_revision(r) for r in rows]

    def live_schemas(self, conn: Connection, identifiers: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(identifiers))
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            rows = conn.execute(
                select(documents.c.identifier, documents.c.schema).where(
                    documents.c.identifier.in_(ids[i : i + 500]), documents.c.deleted_at.is_(None)
                )
            )
            out.update({r.identifier: r.schema for r in rows})
        return out

    def list_documents(
        self,
        conn: Connection,
        *,
        schema: str | None = None,
        realm: str | None = None,
        owner: str | None = None,
        query: str | None = None,
        ids: Sequence[int] | None = None,
        after_id: int | None = None,
        limit: int = 50,
        scope: ReadScope = EVERYTHING,
    ) -> list[DocumentRow]:
        """Live documents in the caller's read scope matching the filters, in documentID order."""
        stmt = select(documents).where(scope_filter(scope))
        if schema:
            stmt = stmt.where(documents.c.schema == schema)
        if realm:
            stmt = stmt.where(documents.c.realm == realm.upper())
        if owner:
            stmt = stmt.where(documents.c.owner == owner.upper())
        if ids is not None:
            stmt = stmt.where(documents.c.id.in_(list(ids)))
        if query:
            sub = self.text_search.matching_ids(query)
            if sub is not None:
                stmt = stmt.where(documents.c.id.in_(sub))
        if after_id is not None:
            stmt = stmt.where(documents.c.id > after_id)
        rows = conn.execute(stmt.order_by(documents.c.id).limit(limit))
        return [_doc(r) for r in rows]

    def referencing(
        self, conn: Connection, identifier: str, scope: ReadScope = EVERYTHING
    ) -> list[tuple[str, DocumentRow]]:
        """Live records in scope whose latest revision references `identifier`, with the field."""
        stmt = _REFERENCING
        if scope is not EVERYTHING:  # the statement built once already keeps live records only
            stmt = stmt.where(scope_filter(scope))
        rows = conn.execute(stmt, {"identifier": identifier})
        out = []
        for r in rows:
            m = dict(r._mapping)
            field = m.pop("field")
            out.append((field, _doc_from(m)))
        return out

    def documents_by_identifiers(
        self, conn: Connection, identifiers: Iterable[str]
    ) -> dict[str, DocumentRow]:
        ids = sorted(set(identifiers))
        out: dict[str, DocumentRow] = {}
        for i in range(0, len(ids), 500):
            rows = conn.execute(
                select(documents).where(documents.c.identifier.in_(ids[i : i + 500]))
            )
            out.update({r.identifier: _doc(r) for r in rows})
        return out

    def lmo_documents_by_key(self, conn: Connection, key: str) -> list[tuple[str, DocumentRow]]:
        rows = conn.execute(
            select(lmo_uids.c.kind, documents)
            .join(documents, documents.c.id == lmo_uids.c.document_id)
            .where(lmo_uids.c.uid_key == key, documents.c.deleted_at.is_(None))
            .order_by(documents.c.id)
        )
        out = []
        for r in rows:
            m = dict(r._mapping)
            kind = m.pop("kind")
            out.append((kind, _doc_from(m)))
        return out

    def detection_methods_for(self, conn: Connection, keys: Sequence[str]) -> list[dict[str, Any]]:
        rows = conn.execute(
            select(detection_methods, detection_method_lmos.c.uid_key)
            .join(
                detection_method_lmos, detection_method_lmos.c.method_id == detection_methods.c.id
            )
            .where(detection_method_lmos.c.uid_key.in_(list(keys)))
            .order_by(detection_methods.c.source, detection_methods.c.code)
        )
        return [dict(r._mapping) for r in rows]

    def latest_bodies(self, conn: Connection, doc_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Bodies of the latest revisions of several documents, in one query per 500."""
        ids = sorted(set(doc_ids))
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(ids), 500):
            rows = conn.execute(
                select(revisions.c.document_id, revisions.c.body)
                .join(
                    documents,
                    (documents.c.id == revisions.c.document_id)
                    & (documents.c.latest_revision == revisions.c.revision),
                )
                .where(revisions.c.document_id.in_(ids[i : i + 500]))
            )
            out.update({r.document_id: r.body for r in rows})
        return out

    def count_documents(self, conn: Connection) -> int:
        return conn.execute(select(func.count()).select_from(documents)).scalar_one()

    def counts_by_schema(self, conn: Connection) -> dict[str, int]:
        rows = conn.execute(
            select(documents.c.schema, func.count())
            .where(documents.c.deleted_at.is_(None))
            .group_by(documents.c.schema)
        )
        return {r[0]: r[1] for r in rows}

    def last_sequence(self, conn: Connection) -> int:
        return last_sequence(conn)


def _revision(row) -> RevisionRow:
    m = dict(row._mapping)
    m["created_at"] = _as_utc(m["created_at"])
    return RevisionRow(**m)
