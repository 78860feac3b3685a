"""Records and their revisions: publish (a new revision with its links, LMO UID keys and search
rows, and the change-sequence entry, in the caller's write transaction), tombstones, and the
reads behind the record API (by id, identifier or UID, revisions, history, lists, links).

Reads that answer a caller take its ReadScope (bch.services.policy.read_scope) and apply it with
bch.storage.scope.scope_filter: no method restates which records are readable."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from bch.records.identifiers import RecordUid
from bch.storage.bulk import bulk_publish, defer_text_index, restore_text_index
from bch.storage.bulk_copy import gin_indexes_deferred
from bch.storage.database import Database
from bch.storage.mirror_stamps import CentralStamp, stamp_deletion, stamp_publishes
from bch.storage.read_deps import ANY, note, note_docs, note_lmo_keys
from bch.storage.rows import (
    DocumentRow,
    NewRevision,
    RevisionRow,
    document_from,
    document_row,
    revision_row,
    utcnow,
)
from bch.storage.scope import EVERYTHING, ReadScope, scope_filter
from bch.storage.search.dialect import search_dialect
from bch.storage.search_index import clear_index, replace_index
from bch.storage.sequence import append_change, last_sequence
from bch.storage.tables import documents, lmo_uids, record_links, revisions, users

CHUNK = 500  # identifiers per IN (...) list

# Statements of the hot read paths, built once (building a statement costs more than running it)
_BY_ID = select(documents).where(documents.c.id == bindparam("doc_id"))
_BY_IDENTIFIER = select(documents).where(documents.c.identifier == bindparam("identifier"))
_REVISION = select(revisions).where(
    revisions.c.document_id == bindparam("doc_id"), revisions.c.revision == bindparam("number")
)
_REFERENCING = (
    select(record_links.c.field, documents)
    .join(documents, documents.c.id == record_links.c.source_id)
    .where(record_links.c.target_identifier == bindparam("identifier"))
    .order_by(documents.c.schema, documents.c.id)
)
_REFERENCING_ALL = _REFERENCING.where(scope_filter(EVERYTHING))  # the common case, built once
_LMO_BY_KEY = (
    select(lmo_uids.c.kind, documents)
    .join(documents, documents.c.id == lmo_uids.c.document_id)
    .where(lmo_uids.c.uid_key == bindparam("key"))
)
# the common case (every LMO page asks it, for the LMO and each of a stack's components), built
# once: building the statement cost a third of the look-up
_LMO_BY_KEY_EXACT_ALL = (
    _LMO_BY_KEY.where(scope_filter(EVERYTHING), lmo_uids.c.kind == "exact")
).order_by(documents.c.id)
_BY_IDENTIFIERS = select(documents).where(
    documents.c.identifier.in_(bindparam("ids", expanding=True))
)
_LATEST_BODIES = (
    select(revisions.c.document_id, revisions.c.body)
    .join(
        documents,
        (documents.c.id == revisions.c.document_id)
        & (documents.c.latest_revision == revisions.c.revision),
    )
    .where(revisions.c.document_id.in_(bindparam("ids", expanding=True)))
)
_AUTHOR = (
    select(users.c.id)
    .select_from(revisions.join(users, users.c.email == revisions.c.created_by))
    .where(revisions.c.document_id == bindparam("doc_id"), revisions.c.revision == 1)
)


class RecordRepository:
    """Documents, revisions, links, LMO UID keys and the change sequence of one Database."""

    def __init__(self, db: Database):
        self.db = db

    # -- transactions (shortcuts to the Database's) ----------------------------------------------
    @property
    def engine(self):
        return self.db.engine

    @property
    def postgres(self) -> bool:
        return self.db.name == "postgresql"

    @contextmanager
    def writing(self, *, wait: float | None = None) -> Iterator[Connection]:
        """See Database.writing."""
        with self.db.writing(wait=wait) as conn:
            yield conn

    def reading(self) -> Connection:
        """See Database.reading."""
        return self.db.reading()

    # -- writes ---------------------------------------------------------------------------------
    def publish(self, conn: Connection, rev: NewRevision) -> tuple[DocumentRow, int, bool]:
        """Store a new revision unless the body is unchanged. Returns (document, revision, changed)."""
        now = utcnow()
        row = conn.execute(_BY_IDENTIFIER, {"identifier": rev.identifier}).first()
        if row is not None:
            doc = document_row(row)
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
        self._write_revision(conn, doc_id, number, rev, now)
        doc = document_row(conn.execute(_BY_ID, {"doc_id": doc_id}).one())
        return doc, number, True

    def _write_revision(
        self, conn: Connection, doc_id: int, number: int, rev: NewRevision, now: datetime
    ) -> None:
        """Revision `number` of record `doc_id`, its change-sequence entry and derived rows."""
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

    def mirror(self, conn: Connection, rev: NewRevision, doc_id: int, number: int) -> bool:
        """Store revision `number` of the central's record `doc_id` (a national node's copy,
        same documentID and revision) unless this revision or a later one is already here.
        Returns whether anything changed. A local record of that identifier under another
        documentID is refused (ValueError): a node mirrors into a database of its own."""
        now = utcnow()
        row = conn.execute(_BY_IDENTIFIER, {"identifier": rev.identifier}).first()
        if row is not None:
            doc = document_row(row)
            if doc.id != doc_id:
                raise ValueError(f"{rev.identifier} is record {doc.id} here, {doc_id} there")
            if doc.latest_revision >= number:
                return False
            conn.execute(
                update(documents)
                .where(documents.c.id == doc_id)
                .values(
                    latest_revision=number,
                    title=rev.title,
                    updated_at=now,
                    deleted_at=None,
                    deleted_by=None,
                    delete_reason=None,
                )
            )
        else:
            conn.execute(
                insert(documents).values(
                    id=doc_id,
                    identifier=rev.identifier,
                    realm=rev.realm,
                    schema=rev.schema,
                    short_code=rev.short_code,
                    owner=rev.owner,
                    latest_revision=number,
                    title=rev.title,
                    created_at=now,
                    updated_at=now,
                )
            )
        self._write_revision(conn, doc_id, number, rev, now)
        return True

    def mirror_new(
        self,
        conn: Connection,
        records: Sequence[NewRevision],
        keys: Sequence[tuple[int, int]],
        stamps: Sequence[CentralStamp | None] | None = None,
    ) -> None:
        """Insert records this database does not hold yet, with the central's (documentID,
        revision) (a node's bootstrap: in batches, see bch.storage.bulk), and with what the
        central says of each (`stamps`: written with the rows instead of stamped after)."""
        if records:
            bulk_publish(conn, records, utcnow(), keys, stamps)

    def stamp_mirrored(self, conn: Connection, stamps: Sequence[CentralStamp]) -> None:
        """Mirrored revisions take the central's times and warnings: see
        bch.storage.mirror_stamps (where a bootstrap batch and a feed revision meet)."""
        stamp_publishes(conn, stamps)

    def stamp_mirrored_deletion(
        self, conn: Connection, document_id: int, revision: int, at: datetime
    ) -> None:
        """A mirrored deletion takes the central's time: see bch.storage.mirror_stamps."""
        stamp_deletion(conn, document_id, revision, at)

    def publish_new(self, conn: Connection, records: Sequence[NewRevision]) -> list[int]:
        """Insert records none of whose identifiers is here yet, as revision 1 each with every
        derived row a publish writes (bch.storage.bulk); returns their documentIDs, in order."""
        if not records:
            return []
        first = conn.execute(select(func.coalesce(func.max(documents.c.id), 0))).scalar_one() + 1
        bulk_publish(conn, records, utcnow())
        return list(range(first, first + len(records)))

    @contextmanager
    def search_indexes_deferred(self, conn: Connection) -> Iterator[None]:
        """A bulk load into a new database: the full-text indexes of the search rows written in
        the block are built once at its end, in the same transaction (SQLite: FTS5 rebuilt,
        bch.storage.bulk; PostgreSQL: GIN indexes dropped and created, bch.storage.bulk_copy).
        Readers of other transactions wait on PostgreSQL until the commit."""
        if self.postgres:
            with gin_indexes_deferred(conn, ["search_tokens", "search_texts"]):
                yield
            return
        defer_text_index(conn)
        yield
        restore_text_index(conn)

    def defer_text_index(self, conn: Connection) -> None:
        """A bulk load begins: see bch.storage.bulk.defer_text_index."""
        defer_text_index(conn)

    def restore_text_index(self, conn: Connection) -> bool:
        """A bulk load ended: see bch.storage.bulk.restore_text_index."""
        return restore_text_index(conn)

    def mirror_delete(
        self,
        conn: Connection,
        identifier: str,
        revision: int,
        reason: str,
        by: str,
        absent: tuple[RecordUid, str] | None = None,
    ) -> DocumentRow | None:
        """Tombstone the node's copy at the central's `revision` unless a later revision is
        here or it is deleted already (a replayed or superseded deletion changes nothing: None).
        A record revised or published and then deleted on the central between two syncs has
        revisions the node can no longer read: an older revision here is tombstoned at the
        central's revision, and a record never seen here gets a tombstone of its own from
        `absent` (its uid and schema: the same documentID), without revisions."""
        row = conn.execute(_BY_IDENTIFIER, {"identifier": identifier}).first()
        if row is None:
            if absent is None:
                return None
            uid, schema = absent
            now = utcnow()
            conn.execute(
                insert(documents).values(
                    id=uid.document_id,
                    identifier=identifier,
                    realm=uid.realm,
                    schema=schema,
                    short_code=uid.short_code,
                    owner=uid.owner,
                    latest_revision=revision,
                    title={},  # never seen here: no title to show
                    created_at=now,
                    updated_at=now,
                )
            )
            row = conn.execute(_BY_ID, {"doc_id": uid.document_id}).one()
        doc = document_row(row)
        if doc.deleted_at is not None or doc.latest_revision > revision:
            return None
        if doc.latest_revision < revision:
            conn.execute(
                update(documents).where(documents.c.id == doc.id).values(latest_revision=revision)
            )
            doc = document_row(conn.execute(_BY_ID, {"doc_id": doc.id}).one())
        return self.tombstone(conn, doc, reason, by)

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
        replace_index(conn, doc_id, rev.facets, rev.texts, rev.title)

    def tombstone(self, conn: Connection, doc: DocumentRow, reason: str, by: str) -> DocumentRow:
        now = utcnow()
        conn.execute(
            update(documents)
            .where(documents.c.id == doc.id)
            .values(deleted_at=now, deleted_by=by, delete_reason=reason, updated_at=now)
        )
        append_change(conn, doc.id, doc.latest_revision, "delete", now)
        # a deleted record is no longer found by search, UID or links; its revisions stay.
        conn.execute(delete(lmo_uids).where(lmo_uids.c.document_id == doc.id))
        conn.execute(delete(record_links).where(record_links.c.source_id == doc.id))
        clear_index(conn, doc.id)
        return document_row(conn.execute(_BY_ID, {"doc_id": doc.id}).one())

    # -- reads of one record --------------------------------------------------------------------
    def document_by_identifier(self, conn: Connection, identifier: str) -> DocumentRow | None:
        note_docs((identifier,))  # found or not: a record published under it changes the answer
        row = conn.execute(_BY_IDENTIFIER, {"identifier": identifier}).first()
        return document_row(row) if row else None

    def document_by_id(self, conn: Connection, doc_id: int) -> DocumentRow | None:
        row = conn.execute(_BY_ID, {"doc_id": doc_id}).first()
        return document_row(row) if row else None

    def document_by_uid(self, conn: Connection, uid: RecordUid) -> DocumentRow | None:
        """The record a UID names: its document id, checked against realm, type and owner."""
        doc = self.document_by_id(conn, uid.document_id)
        if doc and (doc.realm, doc.short_code, doc.owner) == (uid.realm, uid.short_code, uid.owner):
            return doc
        return None

    def revision(self, conn: Connection, doc_id: int, number: int) -> RevisionRow | None:
        row = conn.execute(_REVISION, {"doc_id": doc_id, "number": number}).first()
        return revision_row(row) if row else None

    def history(self, conn: Connection, doc_id: int) -> list[RevisionRow]:
        rows = conn.execute(
            select(revisions)
            .where(revisions.c.document_id == doc_id)
            .order_by(revisions.c.revision)
        )
        return [revision_row(r) for r in rows]

    def record_author(self, conn: Connection, doc_id: int) -> int | None:
        """The user account that published revision 1 of a record; None when that was no user
        account (imported or seeded data)."""
        return conn.execute(_AUTHOR, {"doc_id": doc_id}).scalar_one_or_none()

    # -- reads of several records ----------------------------------------------------------------
    def live_schemas(self, conn: Connection, identifiers: Iterable[str]) -> dict[str, str]:
        """Schema of each identifier that names a live record (references are checked against
        every live record, whoever publishes)."""
        ids = sorted(set(identifiers))
        out: dict[str, str] = {}
        for i in range(0, len(ids), CHUNK):
            rows = conn.execute(
                select(documents.c.identifier, documents.c.schema).where(
                    documents.c.identifier.in_(ids[i : i + CHUNK]), scope_filter(EVERYTHING)
                )
            )
            out.update({r.identifier: r.schema for r in rows})
        return out

    def list_documents(
        self,
        conn: Connection,
        *,
        scope: ReadScope,
        schema: str | None = None,
        realm: str | None = None,
        owner: str | None = None,
        query: str | None = None,
        ids: Sequence[int] | None = None,
        after_id: int | None = None,
        limit: int = 50,
    ) -> list[DocumentRow]:
        """Live documents in the caller's read scope matching the filters, in documentID order."""
        note(ANY)  # a list over many records: any change may alter it
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
            match = search_dialect(self.db.name).text_match(query)
            if match is not None:
                stmt = stmt.where(documents.c.id.in_(select(match.c.document_id)))
        if after_id is not None:
            stmt = stmt.where(documents.c.id > after_id)
        rows = conn.execute(stmt.order_by(documents.c.id).limit(limit))
        return [document_row(r) for r in rows]

    def referencing(
        self, conn: Connection, identifier: str, *, scope: ReadScope
    ) -> list[tuple[str, DocumentRow]]:
        """Live records in scope whose latest revision references `identifier`, with the field."""
        note_docs((identifier,))  # a change linking to it (change_tags) changes this list
        stmt = _REFERENCING_ALL if scope == EVERYTHING else _REFERENCING.where(scope_filter(scope))
        rows = conn.execute(stmt, {"identifier": identifier})
        return [(r.field, document_from(r._mapping)) for r in rows]

    def documents_by_identifiers(
        self, conn: Connection, identifiers: Iterable[str], *, scope: ReadScope | None = None
    ) -> dict[str, DocumentRow]:
        """The records of these identifiers: the live ones in `scope`, or with `scope=None`
        every one, deleted or not (to show what a reference points at, tombstones included)."""
        ids = sorted(set(identifiers))
        note_docs(ids)  # the ones not found too: a record published under one appears
        out: dict[str, DocumentRow] = {}
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i : i + CHUNK]
            if scope is None:
                rows = conn.execute(_BY_IDENTIFIERS, {"ids": chunk})
            else:
                stmt = select(documents).where(documents.c.identifier.in_(chunk))
                rows = conn.execute(stmt.where(scope_filter(scope)))
            out.update({r.identifier: document_row(r) for r in rows})
        return out

    def lmo_documents_by_key(
        self, conn: Connection, key: str, *, scope: ReadScope, kind: str | None = None
    ) -> list[tuple[str, DocumentRow]]:
        """LMO records in scope registered with an OECD UID key: (exact|component, record);
        with `kind`, only those (a common event is a component of hundreds of stacks: asking
        for the exact ones does not read those)."""
        note_lmo_keys((key,))
        if kind == "exact" and scope == EVERYTHING:
            stmt = _LMO_BY_KEY_EXACT_ALL
        else:
            stmt = _LMO_BY_KEY.where(scope_filter(scope))
            if kind is not None:
                stmt = stmt.where(lmo_uids.c.kind == kind)
            stmt = stmt.order_by(documents.c.id)
        rows = conn.execute(stmt, {"key": key})
        return [(r.kind, document_from(r._mapping)) for r in rows]

    def latest_bodies(self, conn: Connection, doc_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Bodies of the latest revisions of several documents, in one query per 500."""
        ids = sorted(set(doc_ids))
        out: dict[int, dict[str, Any]] = {}
        for i in range(0, len(ids), CHUNK):
            rows = conn.execute(_LATEST_BODIES, {"ids": ids[i : i + CHUNK]})
            out.update({r.document_id: r.body for r in rows})
        return out

    # -- counts ---------------------------------------------------------------------------------
    def count_documents(self, conn: Connection) -> int:
        """Every record ever published, deleted ones included (is the database empty?)."""
        return conn.execute(select(func.count()).select_from(documents)).scalar_one()

    def counts_by_schema(self, conn: Connection, scope: ReadScope = EVERYTHING) -> dict[str, int]:
        note(ANY)
        """Live records in scope per record type."""
        rows = conn.execute(
            select(documents.c.schema, func.count())
            .where(scope_filter(scope))
            .group_by(documents.c.schema)
        )
        return {r[0]: r[1] for r in rows}

    def last_sequence(self, conn: Connection) -> int:
        return last_sequence(conn)
