"""Many publishes in one unit of work, written in bulk: the shipped data's first load.

`publish_in_bulk` stores what publishing the documents one after another stores (the same
validation with its warnings, rich-text sanitising, derived rows, change-sequence entries and
events), but writes the records new to the database in batches (bch.storage.bulk: executemany
on SQLite, COPY on PostgreSQL) with the full-text indexes built once at the end. A publish reads
the records published before it (references checked, texts and facets borrowed from the LMOs and
organisms it names): here those not written yet are read from memory, the others once from the
database. A document whose identifier is already stored, or repeated, is published one by one as
before (after the pending batch is written), so the order of the publishes is kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from bch.records.fields import RecordType
from bch.records.validation import Validator
from bch.services import documents as derive
from bch.services.events import RecordEvent
from bch.services.policy import ANONYMOUS
from bch.services.policy import redact as policy_redact
from bch.services.record_lookups import Lookups
from bch.services.records import Published, RecordService
from bch.services.unit_of_work import Transaction
from bch.storage.rows import NewRevision

BATCH = 500  # records derived before they are written (memory stays bounded by the batch)


def publish_in_bulk(
    service: RecordService,
    tx: Transaction,
    documents: Sequence[Any],
    *,
    by: str,
    strict: bool = True,
    on_each: Callable[[], None] | None = None,
) -> list[Published]:
    """Publish `documents` in order in the transaction `tx` (all or nothing with it); returns
    what each publish returned. `on_each`: called after each document is derived."""
    run = _BulkRun(service, tx, by, strict)
    identifiers = [str((d.get("header") or {}).get("identifier")) for d in documents]
    run.stored = set(service.store.documents_by_identifiers(tx.conn, identifiers))
    with service.store.search_indexes_deferred(tx.conn):
        for document in documents:
            run.publish(document)
            if on_each:
                on_each()
        run.flush()
    return run.results


class _BulkRun:
    def __init__(self, service: RecordService, tx: Transaction, by: str, strict: bool):
        self.service, self.tx, self.by, self.strict = service, tx, by, strict
        self.stored: set[str] = set()  # identifiers in the database before this run
        self.results: list[Published] = []
        self.pending: list[NewRevision] = []
        self.pending_at: list[int] = []  # index in results of each pending record
        # the records of this run, by identifier: record type, owner, stored body
        self.new: dict[str, tuple[RecordType, str, dict[str, Any]]] = {}
        self.public: dict[str, dict[str, Any]] = {}  # their bodies as the public reads them
        # what the database answered for identifiers not in `new` (None: no live record)
        self.db_schemas: dict[str, str | None] = {}
        self.db_linked: dict[str, tuple[str, dict[str, Any]] | None] = {}
        self.db_types: dict[str, list[str]] = {}
        conn = tx.conn
        self.validator = Validator(
            service.registry, service.thesaurus, resolve_references=self._live_schemas
        )
        self.lookups = Lookups(self._linked, self._organism_types)
        self._db_linked = service.linked_lookup(conn)
        self._db_types = service.organism_types(conn)

    # -- one document ------------------------------------------------------------------------
    def publish(self, document: Any) -> None:
        service, conn = self.service, self.tx.conn
        result = service._checked(conn, document, self.strict, self.validator)
        assert result.record_type is not None
        rt, doc = result.record_type, result.document
        identifier = doc["header"]["identifier"]
        if identifier in self.stored or identifier in self.new:
            self._publish_one(document, identifier)
            return
        owner = derive.owner_of(rt, doc)
        warnings = [p.as_dict() for p in result.warnings]
        new = service._new_revision(conn, rt, doc, owner, self.by, warnings, self.lookups)
        self.new[identifier] = (rt, owner, doc)
        self.pending.append(new)
        self.pending_at.append(len(self.results))
        self.results.append(Published("", identifier, rt.name, 1, True, warnings))
        if len(self.pending) >= BATCH:
            self.flush()

    def _publish_one(self, document: Any, identifier: str) -> None:
        """A record already stored (or published earlier in this run): the publish of one."""
        self.flush()
        self.results.append(self.service._publish(self.tx, document, by=self.by, strict=False))
        self.stored.add(identifier)
        self.new.pop(identifier, None)  # read from the database from now on
        self.public.pop(identifier, None)
        for cache in (self.db_schemas, self.db_linked, self.db_types):
            cache.pop(identifier, None)

    def flush(self) -> None:
        """Write the pending records, and record their events (published after the commit)."""
        if not self.pending:
            return
        ids = self.service.store.publish_new(self.tx.conn, self.pending)
        for new, doc_id, at in zip(self.pending, ids, self.pending_at, strict=True):
            uid = f"{new.realm}-{new.short_code}-{new.owner}-{doc_id}-1"
            self.results[at].uid = uid
            self.tx.record(
                RecordEvent(
                    "publish", uid, new.identifier, new.realm, new.schema, new.owner, 1, self.by
                )
            )
        self.pending, self.pending_at = [], []

    # -- what a publish reads of the records before it ----------------------------------------
    def _live_schemas(self, identifiers: list[str]) -> dict[str, str]:
        """RecordRepository.live_schemas over the records of this run and the stored ones."""
        missing = [i for i in identifiers if i not in self.new and i not in self.db_schemas]
        if missing:
            found = self.service.store.live_schemas(self.tx.conn, missing)
            self.db_schemas.update({i: found.get(i) for i in missing})
        out: dict[str, str] = {}
        for i in identifiers:
            schema = self.new[i][0].name if i in self.new else self.db_schemas[i]
            if schema is not None:
                out[i] = schema
        return out

    def _linked(self, identifiers: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """RecordService.linked_lookup over the records of this run and the stored ones."""
        missing = [i for i in identifiers if i not in self.new and i not in self.db_linked]
        if missing:
            found = self._db_linked(missing)
            self.db_linked.update({i: found.get(i) for i in missing})
        out: dict[str, tuple[str, dict[str, Any]]] = {}
        for i in identifiers:
            if i in self.new:
                out[i] = (self.new[i][0].name, self._public_body(i))
            elif (value := self.db_linked[i]) is not None:
                out[i] = value
        return out

    def _organism_types(self, identifiers: list[str]) -> list[str]:
        """RecordService.organism_types over the records of this run and the stored ones."""
        types: list[str] = []
        for i in dict.fromkeys(identifiers):
            if i in self.new:
                kind = (self._stored_body(i).get("organismType") or {}).get("identifier")
                types += [kind] if isinstance(kind, str) else []
                continue
            if i not in self.db_types:
                self.db_types[i] = self._db_types([i])
            types += self.db_types[i]
        return types

    def _stored_body(self, identifier: str) -> dict[str, Any]:
        """The body as the database gives it back (its JSON, read back)."""
        rt, owner, body = self.new[identifier]
        if identifier not in self.public:
            stored = orjson.loads(orjson.dumps(body))
            self.public[identifier] = policy_redact(ANONYMOUS, rt, owner, stored)
            self.new[identifier] = (rt, owner, stored)
        return self.new[identifier][2]

    def _public_body(self, identifier: str) -> dict[str, Any]:
        self._stored_body(identifier)
        return self.public[identifier]
