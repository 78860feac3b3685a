"""Importing a national register (issue 12 item 5): preview and idempotent import of the rows of
a country's own register file, mapped to record documents by a mapping (bch.registers).

* A row's record identifier derives from its natural key (the mapping's ``key``): the same row
  always names the same record, and rows of records already in the clearing-house (the shipped
  Canadian decisions) update them instead of duplicating them.
* A row only sets the fields the mapping names; the other fields of an existing record stay.
  Unchanged rows make no revision; changed rows make one; rows absent from the file but
  imported before are reported as removed, never deleted.
* An import acts as a named account (``bch register import --as EMAIL``, the API, the web) and
  goes through the publishing workflow: a draft per row, published directly by the focal point
  or sent as a publishing request (services/permissions.py). Only a caller without a principal
  (bench/bench_registers.py) publishes directly, in one transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bch.records.oecd_uid import UidError, parse_uid
from bch.registers.build import BuiltRow, RowBuilder, RowProblem
from bch.registers.mapping import Mapping, MappingError, load_mapping, shipped_mappings
from bch.registers.reader import RegisterFileError, read_rows
from bch.services import richtext
from bch.services.errors import BadRequest, ServiceError
from bch.services.permissions import Action, Outcome, Target, outcome, require
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.storage.database import Connection
from bch.storage.rows import DocumentRow, utcnow

ACTIONABLE = ("new", "changed")


@dataclass
class RowOutcome:
    row: int
    status: str  # new | changed | unchanged | pending | invalid | skipped
    key: str = ""
    identifier: str | None = None
    uid: str | None = None  # the record's current revision (after an import: the new one)
    title: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    document: dict[str, Any] | None = None
    result: str | None = None  # after an import: published | requested | failed
    request: int | None = None

    def as_json(self, with_document: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v not in (None, [], "")}
        if not with_document:
            out.pop("document", None)
        return out


@dataclass
class RegisterReport:
    mapping: str
    title: str
    country: str
    schema: str
    source: str
    filename: str
    rows: list[RowOutcome]
    removed: list[dict[str, Any]]
    imported: bool = False

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
            if r.result:
                out[r.result] = out.get(r.result, 0) + 1
        out["removed"] = len(self.removed)
        return dict(sorted(out.items()))

    def as_json(self, with_documents: bool = False) -> dict[str, Any]:
        return {
            "mapping": self.mapping,
            "title": self.title,
            "country": self.country,
            "schema": self.schema,
            "source": self.source,
            "filename": self.filename,
            "imported": self.imported,
            "counts": self.counts,
            "rows": [r.as_json(with_documents) for r in self.rows],
            "removed": self.removed,
        }


def _bad(path: str, message: str) -> BadRequest:
    return BadRequest(message, errors=[{"code": "Error.InvalidValue", "path": path,
                                        "message": message}])  # fmt: skip


def _keep_order(before: Any, after: Any) -> Any:
    """A list with the same items as the published one keeps the published order (the register
    lists UIDs in its order; the record's order is no fact to change)."""
    same = isinstance(before, list) and isinstance(after, list) and len(before) == len(after)
    if same and all(i in after for i in before) and all(i in before for i in after):
        return before
    return after


class RegisterService:
    def __init__(self, records, drafts, workflow, rows, uow):
        self.records = records
        self.store = records.store
        self.registry = records.registry
        self.thesaurus = records.thesaurus
        self.drafts = drafts
        self.workflow = workflow
        self.rows = rows
        self.uow = uow

    # -- mappings -------------------------------------------------------------------------------
    def mapping(self, spec: str, *, files: bool = False) -> Mapping:
        """A shipped mapping's name or TOML text (with `files`, the operator's command line: a
        file path too); BadRequest naming the path in the mapping and the expected form."""
        try:
            m = load_mapping(spec, files=files)
            rt = self.registry.record_type(m.schema)
        except MappingError as exc:
            raise _bad(f"mapping.{exc.path}".rstrip("."), exc.message) from None
        except KeyError as exc:
            raise _bad("mapping.register.schema", f"unknown record type {exc}") from None
        if not rt.is_national:
            raise _bad("mapping.register.schema", f"{m.schema} is not a national record type")
        return m

    def shipped(self) -> list[tuple[str, Mapping]]:
        """(name, mapping) of the mappings shipped with the software (registers/mappings/)."""
        return [(name, load_mapping(name)) for name in shipped_mappings()]

    def _authorize(self, principal: Principal | None, mapping: Mapping) -> None:
        if principal is not None:
            rt = self.registry.record_type(mapping.schema)
            require(principal, Action.CREATE, Target(rt, mapping.country))

    # -- preview --------------------------------------------------------------------------------
    def preview(
        self, mapping: Mapping, filename: str, data: bytes, principal: Principal | None = None
    ) -> RegisterReport:
        """What an import of this file would do, row by row, with every problem; writes nothing.
        `principal` None: the operator (CLI)."""
        self._authorize(principal, mapping)
        rt = self.registry.record_type(mapping.schema)
        try:
            _, rows = read_rows(mapping, filename, data)
        except MappingError as exc:
            raise _bad(f"file.{exc.path}", exc.message) from None
        except RegisterFileError as exc:
            raise _bad("file", str(exc)) from None
        with self.store.reading() as conn:
            try:
                builder = RowBuilder(mapping, rt, self.thesaurus, self._lookup(conn))
                builder.check()
            except MappingError as exc:
                raise _bad(f"mapping.{exc.path}", exc.message) from None
            built = [builder.build(r) for r in rows]
            ids = [b.identifier for b in built if b.identifier]
            docs = self.store.documents_by_identifiers(conn, ids)
            bodies = self.store.latest_bodies(conn, [d.id for d in docs.values()])
            seen: dict[str, int] = {}
            out = []
            for b in built:
                doc = docs.get(b.identifier or "")
                body = bodies.get(doc.id) if doc is not None else None
                out.append(self._outcome(conn, mapping, rt, b, doc, body, seen))
            known = self.rows.keys(conn, mapping.id)
            gone = sorted(set(known) - set(seen))
            gone_docs = self.store.documents_by_identifiers(conn, gone)
        removed = []
        for ident in gone:
            d = gone_docs.get(ident)
            removed.append({
                "identifier": ident, "key": known[ident],
                "uid": f"{d.uid_base}-{d.latest_revision}" if d else None,
                "title": d.title if d else "", "deleted": bool(d and d.deleted_at),
            })  # fmt: skip
        return RegisterReport(
            mapping.id, mapping.title, mapping.country, mapping.schema, mapping.source_note,
            filename, out, removed,
        )  # fmt: skip

    def _lookup(self, conn: Connection) -> Callable[[str, list[str]], dict[str, str | None]]:
        scope = read_scope(ANONYMOUS)

        def lookup(kind: str, values: list[str]) -> dict[str, str | None]:
            out: dict[str, str | None] = {}
            for text in values:
                try:
                    key = parse_uid(text).key
                except UidError:
                    out[text] = None
                    continue
                hits = [
                    doc.identifier
                    for how, doc in self.store.lmo_documents_by_key(
                        conn, key, scope=scope, kind="exact"
                    )
                    if how == "exact" and doc.schema == "modifiedOrganism"
                ]
                out[text] = hits[0] if len(hits) == 1 else None
            return out

        return lookup

    def _outcome(
        self,
        conn: Connection,
        mapping: Mapping,
        rt: Any,
        b: BuiltRow,
        doc: DocumentRow | None,
        body: dict[str, Any] | None,
        seen: dict[str, int],
    ) -> RowOutcome:
        if b.skipped:
            return RowOutcome(b.row, "skipped", title=f"skipped: {b.skipped}")
        problems = [p.as_dict() for p in b.problems]
        live = doc is not None and doc.deleted_at is None
        if b.identifier in seen:
            problems.append(RowProblem(b.row, "", "header.identifier", "Error.Duplicate",
                            f"the key {b.key!r} repeats row {seen[b.identifier]}").as_dict())  # fmt: skip
        elif b.identifier:
            seen[b.identifier] = b.row
        if live and body is not None:
            merged = copy.deepcopy(body)
        else:
            merged = {"header": {"schema": mapping.schema, "languages": list(mapping.languages)}}
        merged["header"]["identifier"] = b.identifier or "?"
        for name, value in b.fields.items():
            merged[name] = _keep_order(merged.get(name), copy.deepcopy(value))
        # the publication rule of drafts: unconditionally mandatory fields are errors, fields
        # made mandatory by a condition warnings (as on the imported legacy records)
        result = self.drafts.check(merged)
        normal = richtext.sanitise(rt, result.document) if result.ok else result.document
        for p in result.errors:
            top = p.path.split(".")[0].split("[")[0]
            problems.append(RowProblem(b.row, b.columns.get(top, ""), p.path, p.code,
                                       p.message).as_dict())  # fmt: skip
        uid = f"{doc.uid_base}-{doc.latest_revision}" if live and doc else None
        title = " ".join(str(v) for v in (normal.get("title") or {}).values())[:200]
        out = RowOutcome(b.row, "invalid", b.key, b.identifier, uid, title, problems,
                         [p.as_dict() for p in result.warnings], normal)  # fmt: skip
        if problems:
            return out
        if live and normal == body:
            out.status = "unchanged"
        else:
            out.status = "changed" if live else "new"
            draft = self.drafts.find(conn, b.identifier)
            if draft is not None and draft.document == normal:
                out.status = "pending"
        return out

    # -- import ---------------------------------------------------------------------------------
    def import_rows(
        self,
        mapping: Mapping,
        filename: str,
        data: bytes,
        *,
        principal: Principal | None = None,
        on_row: Callable[[RowOutcome], None] | None = None,
        on_start: Callable[[int], None] | None = None,
    ) -> RegisterReport:
        """Import the valid rows (invalid ones are reported and left out). `principal` None: the
        operator, publishing directly in one transaction; else through the workflow."""
        report = self.preview(mapping, filename, data, principal)
        todo = [r for r in report.rows if r.status in ACTIONABLE]
        if principal is not None and self._publishes(principal, mapping):
            # the focal point's import publishes the drafts its users' imports left pending
            todo += [r for r in report.rows if r.status == "pending"]
        if on_start:
            on_start(len(todo))
        if principal is None:
            self._publish_all(mapping, report, todo, on_row)
        else:
            for r in todo:
                self._through_workflow(principal, mapping, r)
                if on_row:
                    on_row(r)
            with self.uow() as tx:
                self.rows.remember(tx.conn, mapping.id, self._valid_rows(report), utcnow())
        report.imported = True
        return report

    def _publishes(self, principal: Principal, mapping: Mapping) -> bool:
        rt = self.registry.record_type(mapping.schema)
        target = Target(rt, mapping.country, published=True)
        return outcome(principal, Action.PUBLISH, target) is Outcome.ALLOW

    @staticmethod
    def _valid_rows(report: RegisterReport) -> dict[str, str]:
        return {
            r.identifier: r.key
            for r in report.rows
            if r.identifier
            and r.status in (*ACTIONABLE, "unchanged", "pending")
            and r.result != "failed"
        }

    def _publish_all(self, mapping: Mapping, report: RegisterReport, todo, on_row) -> None:
        with self.records.batch(by=f"register:{mapping.id}") as batch:
            for r in todo:
                published = batch.publish(r.document, strict=False)  # checked as drafts are
                r.uid, r.result = published.uid, "published"
                if on_row:
                    on_row(r)
            self.rows.remember(batch.conn, mapping.id, self._valid_rows(report), utcnow())

    def _through_workflow(self, principal: Principal, mapping: Mapping, r: RowOutcome) -> None:
        assert r.identifier is not None and r.document is not None
        try:
            with self.store.reading() as conn:
                draft = self.drafts.find(conn, r.identifier)
            if_match = draft.etag if draft is not None else r.uid
            if r.status != "pending":
                self.drafts.save(principal, r.identifier, r.document, if_match=if_match)
            message = f"Imported from the register {mapping.title} (row {r.row})"
            done = self.workflow.publish_draft(principal, r.identifier, message=message)
        except ServiceError as exc:
            r.result = "failed"
            r.errors.append({"row": r.row, "column": "", "path": "", "code": exc.code,
                             "message": exc.message})  # fmt: skip
            return
        r.result = done.status
        if done.published is not None:
            r.uid = done.published.uid
        if done.request is not None:
            r.request = done.request.get("id")
