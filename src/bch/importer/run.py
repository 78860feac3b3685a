"""Load the shipped real data into a database through the record service (idempotent)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bch.importer.plan import build_plan
from bch.importer.reported import SOURCE as REPORTED_SOURCE
from bch.services.container import Services
from bch.services.record_import import publish_in_bulk
from bch.services.records import PublishBatch, Published

IMPORT_USER = "import:shipped-data"


@dataclass
class ImportSummary:
    published: Counter = field(default_factory=Counter)  # new revisions per schema
    unchanged: Counter = field(default_factory=Counter)
    warnings: int = 0
    detection_methods_changed: int = 0
    detection_methods: int = 0
    retired: Counter = field(default_factory=Counter)  # records tombstoned as merged, per schema
    provenance_changed: int = 0
    reported_changed: int = 0
    # the plan's import report: counts per kind, corrections, dropped ISAAA artefacts and the
    # data check (check_*; bch.importer.check)
    report: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(
            sum(self.published.values())
            or self.detection_methods_changed
            or sum(self.retired.values())
            or self.provenance_changed
            or self.reported_changed
        )


def import_shipped(
    svc: Services,
    data_dir: Path | None = None,
    *,
    only_if_empty: bool = False,
    wait: float | None = None,
    on_start: Callable[[int], None] | None = None,
    on_step: Callable[[], None] | None = None,
    bulk: bool = True,
) -> ImportSummary | None:
    """Load the shipped data in one write transaction (all or nothing). With `only_if_empty`,
    only into a database without records, checked inside that transaction: of two servers
    starting together on a new database, the second waits for the first's load, finds the
    records and returns None. `wait`: see Database.writing. Into a database without records
    the records are written in bulk (bch.services.record_import, the same rows as publishing
    them one by one); `bulk=False` publishes them one by one anyway (the tests compare)."""
    plan = build_plan(data_dir)
    methods = [_method_row(m) for m in plan.detection_methods]
    summary = ImportSummary(report=dict(plan.report))
    with svc.records.batch(by=IMPORT_USER, wait=wait) as batch:
        assert batch.conn is not None
        empty = not svc.store.count_documents(batch.conn)
        if only_if_empty and not empty:
            return None
        if on_start:
            on_start(len(plan.documents))
        if bulk and empty:
            results = publish_in_bulk(
                svc.records, batch.tx, plan.documents, by=IMPORT_USER, strict=False, on_each=on_step
            )
        else:
            results = [_one(batch, document, on_step) for document in plan.documents]
        for result in results:
            (summary.published if result.changed else summary.unchanged)[result.schema] += 1
            summary.warnings += len(result.warnings) if result.changed else 0
        summary.detection_methods_changed = svc.detection_methods.replace(batch.conn, methods)
        for schema, identifier, reason in plan.retired:
            doc = svc.store.document_by_identifier(batch.conn, identifier)
            if doc is not None and doc.deleted_at is None:
                svc.records.delete(identifier, reason=reason, by=IMPORT_USER)
                summary.retired[schema] += 1
        summary.provenance_changed = svc.provenance.replace(batch.conn, plan.provenance)
        summary.reported_changed = svc.reported_approvals.replace(
            batch.conn, REPORTED_SOURCE, plan.reported
        )
    summary.detection_methods = len(methods)
    return summary


def import_reference(svc: Services, data_dir: Path | None = None) -> int:
    """What a national node loads of the shipped data (docs/NODES.md, "What a node holds"): the
    detection methods, reference data matched to LMOs by their UID keys, never records. Its
    records (with their provenance), consultations and forums are the central's: it gets the
    records by mirroring and leaves the rest to the central. Idempotent; returns rows changed."""
    methods = [_method_row(m) for m in build_plan(data_dir).detection_methods]
    with svc.records.batch(by=IMPORT_USER) as batch:
        return svc.detection_methods.replace(batch.conn, methods)


def _one(batch: PublishBatch, document: dict, on_step: Callable[[], None] | None) -> Published:
    result = batch.publish(document, strict=False)
    if on_step:
        on_step()
    return result


def _method_row(method) -> dict:
    data = asdict(method)
    return {
        "source": data.pop("source"),
        "code": data.pop("code"),
        "method_type": data.pop("method_type", None),
        "scope": data.pop("scope", None),
        "target": data.pop("target", None),
        "lmo_keys": sorted(set(data.pop("lmo_keys", []) or [])),
        "data": data,
    }
