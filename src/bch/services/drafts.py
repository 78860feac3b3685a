"""Drafts: possibly incomplete record documents saved before publication, one per record
identifier. A draft lives in `drafts` only; it reaches `documents`, search and the change
sequence only when published (services.workflow).

ETag = the draft's revision ("draft-N"); the first draft of a published record needs If-Match with
that record's ETag (its UID with revision, or the bare revision number). A stale If-Match answers
412 and changes nothing."""

from __future__ import annotations

import copy
from typing import Any

from bch.records.identifiers import is_header_identifier, parse_record_uid
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.records.thesaurus import Thesaurus
from bch.records.validation import Problem, ValidationResult
from bch.services import audit
from bch.services.documents import owner_of
from bch.services.errors import (
    BadRequest,
    NotFound,
    PreconditionFailed,
    ServiceError,
    Unauthorized,
)
from bch.services.numbers import number_from_text
from bch.services.permissions import Action, Outcome, Target, outcome, require, target
from bch.services.policy import Principal
from bch.services.records import RecordService
from bch.services.richtext import sanitise
from bch.services.unit_of_work import UnitOfWork
from bch.storage.database import Connection
from bch.storage.drafts import Draft, DraftRepository
from bch.storage.rows import DocumentRow, iso_utc, utcnow

__all__ = ["Draft", "DraftService", "PreconditionRequired", "draft_json", "parse_if_match"]


class PreconditionRequired(ServiceError):
    status = 428
    code = "preconditionRequired"


def parse_if_match(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"').strip() or None


def _bad(path: str, message: str, code: str = "Error.InvalidValue") -> BadRequest:
    return BadRequest(message, errors=[{"code": code, "path": path, "message": message}])


class DraftService:
    def __init__(
        self,
        records: RecordService,
        drafts: DraftRepository,
        uow: UnitOfWork,
        registry: RealmRegistry,
        thesaurus: Thesaurus,
    ):
        self.records = records
        self.store = records.store
        self.repo = drafts
        self.uow = uow
        self.registry = registry
        self.thesaurus = thesaurus

    # -- reads ----------------------------------------------------------------------------------
    def find(self, conn: Connection, identifier: str) -> Draft | None:
        return self.repo.find(conn, identifier)

    def get(self, principal: Principal, identifier: str) -> Draft:
        """A draft the principal may read; 404 otherwise (a draft's existence is not public)."""
        if principal.is_anonymous:
            raise Unauthorized("sign in to read drafts")
        with self.store.reading() as conn:
            draft = self.find(conn, identifier)
        if draft is None or not self.may_read(principal, draft):
            raise NotFound(f"no draft {identifier!r} of yours")
        return draft

    def may_read(self, principal: Principal, draft: Draft) -> bool:
        rt = self.registry.record_type(draft.schema, draft.realm)
        mine = Target(rt, draft.owner, draft_author=draft.author_id)
        return outcome(principal, Action.READ_DRAFT, mine) is Outcome.ALLOW

    def list(self, principal: Principal) -> list[Draft]:
        """Drafts the principal may read: their own, their countries', the Secretariat's."""
        if principal.is_anonymous:
            return []
        countries = None
        if not principal.has_role("secretariat"):
            countries = [c for r, c in principal.roles if r in ("nfp", "nau") and c]
        with self.store.reading() as conn:
            found = self.repo.visible(conn, author_id=principal.user_id, countries=countries)
        return [d for d in found if self.may_read(principal, d)]

    # -- writes ---------------------------------------------------------------------------------
    def save(
        self, principal: Principal, identifier: str, document: Any, *, if_match: str | None = None
    ) -> tuple[Draft, bool]:
        """Create or replace the draft of `identifier`. Returns (draft, created)."""
        rt, doc = self._shape(identifier, document)
        doc = sanitise(rt, doc)
        owner = self._owner(rt, doc)
        expected = parse_if_match(if_match)
        with self.uow() as tx:
            conn = tx.conn
            draft = self.find(conn, identifier)
            record = self.store.document_by_identifier(conn, identifier)
            if record is not None and (record.schema, record.realm) != (rt.name, rt.realm):
                raise _bad("header.schema", f"{identifier} is a {record.schema} record")
            author_of = lambda doc_id: self.store.record_author(conn, doc_id)  # noqa: E731
            if draft is not None:  # a draft is changed by those who may change that draft
                mine = target(
                    rt,
                    draft.owner,
                    record=record,
                    author_of=author_of,
                    draft_author=draft.author_id,
                )
                require(principal, Action.EDIT, mine)
            elif record is not None:  # the first draft of a record published once (even deleted)
                mine = target(rt, record.owner, record=record, author_of=author_of)
                require(principal, Action.EDIT, mine)
            require(principal, Action.CREATE, Target(rt, owner))  # and the (possibly new) owner
            if record is not None and record.owner != owner:
                raise _bad("government", f"the record belongs to {record.owner}; it cannot move")
            self._check_precondition(draft, record, expected)
            now, by = utcnow(), principal.email or "?"
            if draft is None:
                base = record.latest_revision if record and record.deleted_at is None else None
                assert principal.user_id is not None  # require() refused anonymous callers
                saved = self.repo.create(
                    conn,
                    identifier=identifier,
                    realm=rt.realm,
                    schema=rt.name,
                    owner=owner,
                    document=doc,
                    base_revision=base,
                    author_id=principal.user_id,
                    at=now,
                    by=by,
                )
                before = None
            else:
                before = draft.document
                saved = self.repo.replace(conn, draft, document=doc, owner=owner, at=now, by=by)
            audit.write(
                conn, by, "draft.save", record=identifier, before=before, after=doc,
                detail={"draftRevision": saved.revision},
            )  # fmt: skip
        return saved, draft is None

    def _shape(self, identifier: str, document: Any):
        if not is_header_identifier(identifier):
            raise _bad("header.identifier", "identifier must be 11-128 letters, digits, '-' or '_'")
        if not isinstance(document, dict):
            raise _bad("", "a record document must be a JSON object", "Error.InvalidType")
        doc = copy.deepcopy(document)
        header = doc.get("header")
        if not isinstance(header, dict):
            raise _bad(
                "header", "header {identifier, schema, languages} missing", "Error.Mandatory"
            )
        if header.setdefault("identifier", identifier) != identifier:
            raise _bad("header.identifier", f"the document's identifier is not {identifier}")
        try:
            rt = self.registry.record_type(str(header.get("schema")))
        except UnknownSchema as exc:
            raise _bad("header.schema", str(exc), "Error.UnknownSchema") from None
        return rt, doc

    def _owner(self, rt, doc: dict[str, Any]) -> str:
        if not rt.is_national:
            return owner_of(rt, doc)
        gov = doc.get("government")
        code = gov.get("identifier") if isinstance(gov, dict) else None
        if not isinstance(code, str) or not self.thesaurus.in_domain(code.upper(), "countries"):
            raise _bad(
                "government.identifier",
                "a national record needs its country: government {identifier: ISO code}",
                "Error.Mandatory",
            )
        return code.upper()

    @staticmethod
    def _check_precondition(
        draft: Draft | None, record: DocumentRow | None, expected: str | None
    ) -> None:
        if draft is not None:
            if expected is None:
                raise PreconditionRequired(
                    f'the draft exists: send If-Match: "{draft.etag}" to replace it'
                )
            if expected not in (draft.etag, str(draft.revision)):
                raise PreconditionFailed(
                    f"the draft changed (now {draft.etag}); reload it and apply your edits",
                    etag=draft.etag,
                )
            return
        if record is None or record.deleted_at is not None:
            return
        if expected is None:
            raise PreconditionRequired(
                f"{record.identifier} is published: send If-Match with its ETag to edit it"
            )
        uid = parse_record_uid(expected)
        try:
            number = uid.revision if uid else number_from_text(expected, "If-Match", low=1)
        except BadRequest:
            number = None  # not a revision of this record: stale
        if number != record.latest_revision:
            raise PreconditionFailed(
                f"the record is at revision {record.latest_revision}; reload it first",
                etag=f"{record.uid_base}-{record.latest_revision}",
            )

    def discard(self, principal: Principal, identifier: str, if_match: str | None = None) -> None:
        with self.uow() as tx:
            draft = self.find(tx.conn, identifier)
            if draft is None or not self.may_read(principal, draft):
                raise NotFound(f"no draft {identifier!r} of yours")
            rt = self.registry.record_type(draft.schema, draft.realm)
            require(principal, Action.EDIT, Target(rt, draft.owner, draft_author=draft.author_id))
            self.repo.delete(tx.conn, draft.id)
            audit.write(
                tx.conn, principal.email or "?", "draft.discard", record=identifier,
                before=draft.document,
            )  # fmt: skip

    # -- validation for publication ------------------------------------------------------------
    def check(self, document: dict[str, Any]) -> ValidationResult:
        """Validation for publication. Types, terms, languages, references and unconditionally
        mandatory fields are errors; a field made mandatory by a condition (`requiredWhen`) that
        is missing is a warning carried to the approver and onto the revision, as on the
        imported legacy records (the same decision must stay publishable once edited)."""
        result = self.records.validate(document, strict=False)
        rt = result.record_type
        if rt is None:
            return result
        kept: list[Problem] = []
        for w in result.warnings:
            f = rt.fields.get(w.path)
            if w.code == "Warning.Mandatory" and f is not None and f.required:
                result.errors.append(Problem("Error.Mandatory", w.path, w.message))
            else:
                kept.append(w)
        result.warnings = kept
        return result


def draft_json(draft: Draft, problems: ValidationResult | None = None) -> dict[str, Any]:
    out = {
        "identifier": draft.identifier,
        "realm": draft.realm,
        "schema": draft.schema,
        "country": None if draft.owner == "SCBD" else draft.owner,
        "revision": draft.revision,
        "etag": draft.etag,
        "baseRevision": draft.base_revision,
        "createdAt": iso_utc(draft.created_at),
        "updatedAt": iso_utc(draft.updated_at),
        "updatedBy": draft.updated_by,
        "url": f"/api/v1/drafts/{draft.identifier}",
        "document": draft.document,
    }
    if problems is not None:
        out["valid"] = problems.ok
        out["errors"] = [p.as_dict() for p in problems.errors]
        out["warnings"] = [p.as_dict() for p in problems.warnings]
    return out
