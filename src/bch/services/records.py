"""The record service: validate, publish revisions, delete to tombstones, read and list records.

Every surface (JSON API, CLI, importer, web pages, OAI-PMH) goes through this class. Writes run
in a unit of work (bch.services.unit_of_work): a publish or deletion records a RecordEvent that
the subscribers receive after the commit; called inside another service's unit of work (the
workflow), it joins that transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bch.records.fields import RecordType
from bch.records.identifiers import RecordUid, parse_record_uid
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.records.thesaurus import Thesaurus
from bch.records.validation import Problem, ValidationResult, Validator
from bch.services import derived_dump, facets, linked_index, richtext
from bch.services import documents as derive
from bch.services.cursors import decode_cursor, encode_cursor
from bch.services.errors import BadRequest, Gone, NotFound, ValidationFailed
from bch.services.events import RecordEvent
from bch.services.numbers import MAX_ID, number_from_token
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.services.policy import redact as policy_redact
from bch.services.record_lookups import LookupMemo, Lookups
from bch.services.summaries import tombstone
from bch.services.unit_of_work import Transaction, UnitOfWork
from bch.storage.database import Connection
from bch.storage.mirror_stamps import CentralStamp
from bch.storage.records import RecordRepository
from bch.storage.rows import DocumentRow, NewRevision, RevisionRow
from bch.storage.scope import ReadScope

MAX_PAGE = 1000


@dataclass
class Published:
    uid: str
    identifier: str
    schema: str
    revision: int
    changed: bool
    warnings: list[dict[str, str]]


@dataclass
class RecordView:
    doc: DocumentRow
    revision: RevisionRow
    document: dict[str, Any]  # body with confidential fields removed
    referenced_by: list[tuple[str, DocumentRow]] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return f"{self.doc.uid_base}-{self.revision.revision}"


@dataclass
class Page:
    items: list[DocumentRow]
    next: str | None
    limit: int


@dataclass
class PublishBatch:
    """Publishes inside one unit of work (RecordService.batch)."""

    service: RecordService
    by: str
    tx: Transaction
    results: list[Published] = field(default_factory=list)

    @property
    def conn(self) -> Connection:
        """The write transaction, for other writes in the same batch."""
        return self.tx.conn

    def publish(self, document: Any, *, strict: bool = True) -> Published:
        result = self.service._publish(self.tx, document, by=self.by, strict=strict)
        self.results.append(result)
        return result


class RecordService:
    def __init__(
        self,
        store: RecordRepository,
        registry: RealmRegistry,
        thesaurus: Thesaurus,
        uow: UnitOfWork,
    ):
        self.store = store
        self.registry = registry
        self.thesaurus = thesaurus
        self.uow = uow
        # newest(): one answer, replaced whole (a reader never sees another key's rows)
        self._newest: tuple[tuple, list[dict[str, Any]]] | None = None

    # -- validation and publishing --------------------------------------------------------------
    def _validator(self, conn: Connection) -> Validator:
        return Validator(
            self.registry,
            self.thesaurus,
            resolve_references=lambda ids: self.store.live_schemas(conn, ids),
        )

    def validate(self, document: Any, *, strict: bool = True) -> ValidationResult:
        with self.store.reading() as conn:
            return self._validator(conn).validate(document, strict=strict)

    def publish(self, document: Any, *, by: str = "system", strict: bool = True) -> Published:
        """Publish one document (a new revision unless it is unchanged), in its own unit of
        work or the caller's."""
        with self.uow() as tx:
            return self._publish(tx, document, by=by, strict=strict)

    def publish_many(
        self,
        documents: Iterable[Any],
        *,
        by: str,
        strict: bool = True,
        on_each: Callable[[Published], None] | None = None,
    ) -> list[Published]:
        """Publish several documents in one transaction: all or nothing."""
        with self.batch(by=by) as batch:
            for document in documents:
                result = batch.publish(document, strict=strict)
                if on_each:
                    on_each(result)
        return batch.results

    @contextmanager
    def batch(self, *, by: str, wait: float | None = None) -> Iterator[PublishBatch]:
        """One unit of work for several publishes and other writes on `batch.conn`: all or
        nothing; the events are published after the commit. `wait`: see Database.writing."""
        with self.uow(wait=wait) as tx:
            yield PublishBatch(self, by, tx)

    def _checked(
        self, conn: Connection, document: Any, strict: bool, validator: Validator | None = None
    ) -> ValidationResult:
        """The valid document with its rich-text fields sanitised (every way in publishes here),
        or ValidationFailed. `validator`: one that sees records not written yet (NewRecords)."""
        validator = validator or self._validator(conn)
        result = validator.validate(document, strict=strict)
        if result.ok and result.record_type is not None:
            clean = richtext.sanitise(result.record_type, result.document)
            if clean != result.document:  # sanitising may empty a required text: check again
                result = validator.validate(clean, strict=strict)
        if not result.ok or result.record_type is None:
            raise ValidationFailed(
                "the document is not valid", errors=[p.as_dict() for p in result.errors]
            )
        return result

    def _publish(self, tx: Transaction, document: Any, *, by: str, strict: bool) -> Published:
        conn = tx.conn
        result = self._checked(conn, document, strict)
        assert result.record_type is not None
        rt, doc = result.record_type, result.document
        owner = derive.owner_of(rt, doc)
        existing = self.store.document_by_identifier(conn, doc["header"]["identifier"])
        self._check_identity(existing, rt, owner)
        warnings = [p.as_dict() for p in result.warnings]
        new = self._new_revision(conn, rt, doc, owner, by, warnings)
        row, number, changed = self.store.publish(conn, new)
        uid = f"{row.uid_base}-{number}"
        if changed:
            tx.record(
                RecordEvent("publish", uid, row.identifier, row.realm, rt.name, owner, number, by)
            )
        return Published(uid, row.identifier, rt.name, number, changed, warnings)

    def _new_revision(
        self,
        conn: Connection,
        rt: RecordType,
        doc: dict[str, Any],
        owner: str,
        by: str,
        warnings: list[dict[str, str]],
        lookups: Lookups | None = None,
    ) -> NewRevision:
        """The revision and every row derived from it (links, UID keys, facets, texts).
        `lookups`: the referenced records, read once for a batch (mirror_many)."""
        title = derive.display_title(rt, doc)
        lookups = lookups or Lookups(self.linked_lookup(conn), self.organism_types(conn))
        linked = linked_index.borrowed(rt, doc, self.thesaurus, lookups.linked)
        return NewRevision(
            identifier=doc["header"]["identifier"],
            realm=rt.realm,
            schema=rt.name,
            short_code=rt.short_code,
            owner=owner,
            title=title,
            body=doc,
            hash=derive.content_hash(doc),
            by=by,
            warnings=warnings,
            links=derive.references(rt, doc),
            lmo_keys=derive.lmo_keys(rt, doc),
            facets=facets.facet_values(
                rt, doc, self.thesaurus, owner, title, lookups.organism_types, linked
            ),
            texts=facets.language_texts(rt, doc, self.thesaurus, title, linked),
        )

    def mirror(
        self, tx: Transaction, document: dict[str, Any], doc_id: int, number: int, *, by: str
    ) -> bool:
        """Store the central's revision `number` of its record `doc_id` on a national node:
        the same write path as a publish (derived rows, search index, change sequence), the
        central's documentID and revision kept. The central validated it: its problems here
        (a reference to a record this node does not mirror) are kept as warnings. Idempotent:
        a revision already here, or an older one, changes nothing (False)."""
        conn = tx.conn
        identifier = str((document.get("header") or {}).get("identifier"))
        here = self.store.document_by_identifier(conn, identifier)
        if here is not None and here.id == doc_id and here.latest_revision >= number:
            return False  # replayed (a node resuming): nothing to validate or derive
        rt = self._mirrored_type(document)
        result = self._validator(conn).validate(document, strict=False)
        warnings = [p.as_dict() for p in (*result.errors, *result.warnings)]
        owner = derive.owner_of(rt, document)
        new = self._new_revision(conn, rt, document, owner, by, warnings)
        if not self.store.mirror(conn, new, doc_id, number):
            return False
        uid = f"{rt.realm}-{rt.short_code}-{owner}-{doc_id}-{number}"
        tx.record(RecordEvent("publish", uid, new.identifier, rt.realm, rt.name, owner, number, by))
        return True

    def _mirrored_type(self, document: dict[str, Any]) -> RecordType:
        """The record type of a central's document: its schema in its realm (`header.realm`,
        BCH unless given: a CHM organization stays CHM-ORG, its UID the central's)."""
        header = document.get("header") or {}
        realm = header.get("realm")
        try:
            return self.registry.record_type(
                str(header.get("schema")), realm if isinstance(realm, str) else None
            )
        except UnknownSchema as exc:
            raise ValidationFailed(str(exc)) from None

    def mirror_many(
        self,
        tx: Transaction,
        items: list[tuple[dict[str, Any], int, int]],
        *,
        by: str,
        memo: LookupMemo | None = None,
        derived: Mapping[str, dict[str, Any]] | None = None,
        stamps: Sequence[CentralStamp] | None = None,
    ) -> int:
        """mirror() for many (document, documentID, revision): those not here yet are inserted
        in one go (a node's bootstrap), the others one by one. Returns how many changed.
        `memo`: the referenced records read by the caller's earlier batches (see LookupMemo).
        `derived`: identifier -> the central's derived rows of a new record, inserted as they
        are instead of derived here (a dump with derived rows whose fingerprint matches).
        `stamps`: what the central says of each item (its times and warnings, in the items'
        order): the new records are written with it, the others stamped after their mirror()
        (bch.storage.mirror_stamps)."""
        conn = tx.conn
        identifiers = [str(d["header"]["identifier"]) for d, _i, _r in items]
        here = self.store.documents_by_identifiers(conn, identifiers)
        changed = 0
        news: list[NewRevision] = []
        keys: list[tuple[int, int]] = []
        new_stamps: list[CentralStamp | None] = []
        later: list[CentralStamp] = []  # of the records already here
        memo = memo if memo is not None else LookupMemo()
        lookups = Lookups.cached(self.linked_lookup(conn), self.organism_types(conn), memo)
        for k, (document, doc_id, number) in enumerate(items):
            identifier = str(document["header"]["identifier"])
            stamp = stamps[k] if stamps else None
            if identifier in here:
                changed += self.mirror(tx, document, doc_id, number, by=by)
                memo.forget([identifier])  # a record changed here: what was read of it is stale
                if stamp is not None:
                    later.append(stamp)
                continue
            rt = self._mirrored_type(document)
            owner = derive.owner_of(rt, document)
            rows = derived.get(identifier) if derived else None
            if rows is not None:
                news.append(derived_dump.revision(rt, document, owner, by, rows))
            else:
                news.append(self._new_revision(conn, rt, document, owner, by, [], lookups))
            keys.append((doc_id, number))
            new_stamps.append(stamp)
        self.store.mirror_new(conn, news, keys, new_stamps)
        self.store.stamp_mirrored(conn, later)
        memo.forget(identifiers)  # those read before they arrived are read again
        for new, (doc_id, number) in zip(news, keys, strict=True):
            uid = f"{new.realm}-{new.short_code}-{new.owner}-{doc_id}-{number}"
            tx.record(
                RecordEvent(
                    "publish", uid, new.identifier, new.realm, new.schema, new.owner, number, by
                )
            )
        return changed + len(news)

    def mirror_delete(
        self,
        tx: Transaction,
        identifier: str,
        revision: int,
        *,
        reason: str,
        by: str,
        absent: tuple[RecordUid, str] | None = None,
    ) -> bool:
        """Tombstone a node's copy at the central's revision, or make a tombstone from
        `absent` (the central's uid and schema) when the node never had the record (see
        RecordRepository.mirror_delete)."""
        if absent is not None:
            try:
                self.registry.record_type(absent[1])
            except UnknownSchema:
                absent = None  # a record type this version does not know
        doc = self.store.mirror_delete(
            tx.conn, identifier, revision, reason or "deleted", by, absent
        )
        if doc is None:
            return False
        uid = f"{doc.uid_base}-{doc.latest_revision}"
        tx.record(
            RecordEvent("delete", uid, identifier, doc.realm, doc.schema, doc.owner, revision, by)
        )
        return True

    def organism_types(self, conn: Connection) -> Callable[[list[str]], list[str]]:
        """Organism type terms of organism records, by header identifier (LMO facets)."""

        def lookup(identifiers: list[str]) -> list[str]:
            docs = self.store.documents_by_identifiers(conn, identifiers)
            bodies = self.store.latest_bodies(conn, [d.id for d in docs.values()])
            types = [(b.get("organismType") or {}).get("identifier") for b in bodies.values()]
            return [t for t in types if isinstance(t, str)]

        return lookup

    def linked_lookup(self, conn: Connection) -> linked_index.Lookup:
        """Schema and latest body of the live records among identifiers (what a record borrows
        from the LMOs and organisms it names, see bch.services.linked_index)."""

        def lookup(identifiers: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
            docs = self.store.documents_by_identifiers(conn, identifiers)
            live = {i: d for i, d in docs.items() if d.deleted_at is None}
            bodies = self.store.latest_bodies(conn, [d.id for d in live.values()])
            return {  # what the public may read of them: the index is public
                i: (d.schema, self.redact(d, bodies[d.id]))
                for i, d in live.items()
                if d.id in bodies
            }

        return lookup

    @staticmethod
    def _check_identity(existing: DocumentRow | None, rt: RecordType, owner: str) -> None:
        if existing is None:
            return
        problems = []
        if (existing.realm, existing.schema) != (rt.realm, rt.name):
            problems.append(
                Problem(
                    "Error.InvalidValue",
                    "header.schema",
                    f"identifier already used by a {existing.realm} {existing.schema} record",
                )
            )
        elif existing.owner != owner:
            problems.append(
                Problem(
                    "Error.InvalidValue",
                    "government",
                    f"the record belongs to {existing.owner}; a new revision cannot move it",
                )
            )
        if problems:
            raise ValidationFailed(
                "the document is not valid", errors=[p.as_dict() for p in problems]
            )

    def delete(self, ref: str, *, reason: str, by: str = "system") -> dict[str, Any]:
        """Delete to a tombstone, in its own unit of work or the caller's."""
        if not reason.strip():
            raise BadRequest("a deletion needs a reason")
        with self.uow() as tx:
            doc = self._find(tx.conn, ref)
            if doc.deleted_at is not None:
                raise Gone("the record is already deleted", tombstone=tombstone(doc))
            stone = tombstone(self.store.tombstone(tx.conn, doc, reason.strip(), by))
            tx.record(
                RecordEvent(
                    "delete",
                    stone["id"],
                    doc.identifier,
                    doc.realm,
                    doc.schema,
                    doc.owner,
                    doc.latest_revision,
                    by,
                )
            )
        return stone

    # -- reads ----------------------------------------------------------------------------------
    def _find(self, conn: Connection, ref: str, scope: ReadScope | None = None) -> DocumentRow:
        """The record `ref` names (UID or header identifier), live or deleted; with a `scope`,
        only one inside it (another answers 404, its tombstone included)."""
        uid = parse_record_uid(ref)
        doc = self.store.document_by_uid(conn, uid) if uid is not None else None
        if doc is None:
            doc = self.store.document_by_identifier(conn, ref)
        if doc is None or (scope is not None and not scope.allows(doc.owner, doc.schema)):
            raise NotFound(f"no record {ref!r}")
        return doc

    def get(
        self,
        ref: str,
        revision: int | None = None,
        *,
        principal: Principal = ANONYMOUS,
        with_links: bool = True,
    ) -> RecordView:
        uid = parse_record_uid(ref)
        if revision is None and uid is not None:
            revision = uid.revision
        scope = read_scope(principal)
        with self.store.reading() as conn:
            doc = self._find(conn, ref, scope)
            if doc.deleted_at is not None:
                raise Gone(f"record {ref!r} was deleted", tombstone=tombstone(doc))
            return self._view(conn, doc, revision, with_links, principal, scope)

    def _view(
        self,
        conn: Connection,
        doc: DocumentRow,
        revision: int | None,
        with_links: bool,
        principal: Principal = ANONYMOUS,
        scope: ReadScope | None = None,
    ) -> RecordView:
        number = revision or doc.latest_revision
        rev = self.store.revision(conn, doc.id, number)
        if rev is None:
            raise NotFound(f"record {doc.uid_base} has no revision {number}")
        body = self.redact(doc, rev.body, principal)
        links = (
            self.store.referencing(conn, doc.identifier, scope=scope or read_scope(principal))
            if with_links
            else []
        )
        return RecordView(doc, rev, body, links)

    def redact(
        self, doc: DocumentRow, body: dict[str, Any], principal: Principal = ANONYMOUS
    ) -> dict[str, Any]:
        """Remove confidential (Art. 21) fields the principal may not see."""
        try:
            rt = self.registry.record_type(doc.schema, doc.realm)
        except UnknownSchema:
            rt = None
        return policy_redact(principal, rt, doc.owner, body)

    def versions(
        self, ref: str, principal: Principal = ANONYMOUS
    ) -> tuple[DocumentRow, list[RevisionRow]]:
        with self.store.reading() as conn:
            doc = self._find(conn, ref, read_scope(principal))
            return doc, self.store.history(conn, doc.id)

    def view_of(
        self, conn: Connection, doc: DocumentRow, principal: Principal = ANONYMOUS
    ) -> RecordView:
        return self._view(conn, doc, None, True, principal)

    def documents(self, identifiers: Iterable[str]) -> dict[str, DocumentRow]:
        """The records these identifiers name, deleted ones included (to show what a reference
        points at)."""
        if not identifiers:
            return {}
        with self.store.reading() as conn:
            return self.store.documents_by_identifiers(conn, identifiers)

    def latest_bodies(
        self, docs: list[DocumentRow], principal: Principal = ANONYMOUS
    ) -> dict[int, dict[str, Any]]:
        """Latest bodies of listed records, without the fields the principal may not see."""
        with self.store.reading() as conn:
            bodies = self.store.latest_bodies(conn, [d.id for d in docs])
        return {d.id: self.redact(d, bodies.get(d.id, {}), principal) for d in docs}

    def counts_by_schema(self, principal: Principal = ANONYMOUS) -> dict[str, int]:
        """Records the principal may read, per record type."""
        with self.store.reading() as conn:
            return self.store.counts_by_schema(conn, read_scope(principal))

    def newest(
        self, schema: str, date_field: str, n: int, principal: Principal = ANONYMOUS
    ) -> list[dict[str, Any]]:
        """The `n` records of `schema` with the latest `date_field` the principal may read
        (uid_base, title, owner, date), newest first. Kept until the next change and only for
        the same question from the same reader: per services object, never shared between
        databases, schemas, sizes or principals (redaction depends on who asks)."""
        with self.store.reading() as conn:
            sequence = self.store.last_sequence(conn)
        key = (sequence, schema, date_field, n, read_scope(principal), principal)
        cached = self._newest
        if cached is not None and cached[0] == key:
            return cached[1]
        docs: list[DocumentRow] = []
        cursor = None
        while True:
            page = self.list(schema=schema, cursor=cursor, limit=MAX_PAGE, principal=principal)
            docs.extend(page.items)
            if not page.next:
                break
            cursor = page.next
        bodies = self.latest_bodies(docs, principal)
        rows = [
            {
                "uid_base": d.uid_base,
                "title": d.title,
                "owner": d.owner,
                "date": bodies[d.id].get(date_field) or "",
            }
            for d in docs
        ]
        rows.sort(key=lambda r: (r["date"], r["uid_base"]), reverse=True)
        self._newest = (key, rows[:n])
        return rows[:n]

    def health(self) -> dict[str, int]:
        """Records stored (deleted ones included) and the last change sequence number."""
        with self.store.reading() as conn:
            return {
                "records": self.store.count_documents(conn),
                "sequence": self.store.last_sequence(conn),
            }

    def list(
        self,
        *,
        schema: str | None = None,
        realm: str | None = None,
        country: str | None = None,
        q: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
        principal: Principal = ANONYMOUS,
    ) -> Page:
        if not 1 <= limit <= MAX_PAGE:
            raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
        if schema:
            try:
                self.registry.record_type(schema, realm)
            except UnknownSchema as exc:
                raise BadRequest(str(exc)) from None
        position = decode_cursor(cursor)
        after = None
        if position is not None:
            after = number_from_token(position.get("after"), "cursor", low=0, high=MAX_ID)
        with self.store.reading() as conn:
            rows = self.store.list_documents(
                conn,
                schema=schema,
                realm=realm,
                owner=country,
                query=q,
                after_id=after,
                limit=limit + 1,
                scope=read_scope(principal),
            )
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = encode_cursor({"after": rows[-1].id}) if more and rows else None
        return Page(rows, nxt, limit)
