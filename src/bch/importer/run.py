"""Load the shipped real data into a database through the record service (idempotent)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bch.importer.plan import build_plan
from bch.services.container import Services

IMPORT_USER = "import:shipped-data"


@dataclass
class ImportSummary:
    published: Counter = field(default_factory=Counter)  # new revisions per schema
    unchanged: Counter = field(default_factory=Counter)
    warnings: int = 0
    detection_methods_changed: int = 0
    detection_methods: int = 0

    @property
    def changed(self) -> bool:
        return bool(sum(self.published.values()) or self.detection_methods_changed)


def import_shipped(
    svc: Services,
    data_dir: Path | None = None,
    *,
    on_start: Callable[[int], None] | None = None,
    on_step: Callable[[], None] | None = None,
) -> ImportSummary:
    plan = build_plan(data_dir)
    summary = ImportSummary()
    if on_start:
        on_start(len(plan.documents))

    def count(result) -> None:
        (summary.published if result.changed else summary.unchanged)[result.schema] += 1
        summary.warnings += len(result.warnings) if result.changed else 0
        if on_step:
            on_step()

    svc.records.publish_many(plan.documents, by=IMPORT_USER, strict=False, on_each=count)
    methods = [_method_row(m) for m in plan.detection_methods]
    with svc.store.writing() as conn:
        summary.detection_methods_changed = svc.store.replace_detection_methods(conn, methods)
    summary.detection_methods = len(methods)
    return summary


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
