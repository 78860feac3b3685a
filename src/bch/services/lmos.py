"""LMOs by OECD unique identifier: any spelling resolves to the record, its decisions and methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bch.records.oecd_uid import UidError, parse_uid
from bch.services.errors import NotFound
from bch.services.matrix import build_matrix
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.services.records import RecordService, RecordView
from bch.storage.detection_methods import DetectionMethodRepository
from bch.storage.records import RecordRepository
from bch.storage.scope import ReadScope


@dataclass
class LmoView:
    record: RecordView
    query: str
    canonical_uid: str
    also_matching: list[str]  # other LMO records registered with the same UID (data to clean)
    detection_methods: list[dict[str, Any]]


class LmoService:
    def __init__(
        self,
        store: RecordRepository,
        records: RecordService,
        methods: DetectionMethodRepository,
    ):
        self.store = store
        self.records = records
        self.methods = methods

    def _hits(self, conn, uid_text: str, scope: ReadScope):
        try:
            parsed = parse_uid(uid_text)
        except UidError as exc:
            raise NotFound(f"{uid_text!r} is not an OECD unique identifier ({exc})") from None
        hits = [
            doc
            for kind, doc in self.store.lmo_documents_by_key(conn, parsed.key, scope=scope)
            if kind == "exact" and doc.schema == "modifiedOrganism"
        ]
        if not hits:
            raise NotFound(f"no LMO with the unique identifier {parsed.canonical}")
        return parsed, hits

    def decision_matrix(self, uid_text: str, principal: Principal = ANONYMOUS) -> dict[str, Any]:
        """Countries x scopes with the status of each country's decisions on this LMO."""
        scope = read_scope(principal)
        with self.store.reading() as conn:
            parsed, hits = self._hits(conn, uid_text, scope)
            lmo = hits[0]
            decisions = [
                doc
                for field, doc in self.store.referencing(conn, lmo.identifier, scope=scope)
                if doc.schema == "biosafetyDecision" and field == "modifiedOrganisms"
            ]
            matrix = build_matrix(self.store, self.records.thesaurus, conn, lmo, decisions, scope)
        matrix["uniqueIdentification"] = parsed.canonical
        return matrix

    def find(self, uid_text: str, principal: Principal = ANONYMOUS) -> LmoView:
        with self.store.reading() as conn:
            parsed, hits = self._hits(conn, uid_text, read_scope(principal))
            view = self.records.view_of(conn, hits[0], principal)
            keys = [parsed.key, *parsed.component_keys]
            methods = self.methods.for_keys(conn, keys)
        return LmoView(
            record=view,
            query=uid_text,
            canonical_uid=parsed.canonical,
            also_matching=[f"{d.uid_base}-{d.latest_revision}" for d in hits[1:]],
            detection_methods=[_method(m, parsed.key) for m in methods],
        )

    @staticmethod
    def resolve_name(name: str) -> tuple[str | None, bool]:
        """(canonical UID, ambiguous) of an LMO named by event or trade name (MON810,
        YieldGard), as GET /api/v1/resolve answers; (None, False) when nothing matches."""
        from bch.resolve.index import default_resolver

        found = default_resolver().resolve(name)
        best = found.best
        if best is not None and best.uid:
            return best.uid, False
        return None, bool(found.ambiguous)


def _method(row: dict[str, Any], stack_key: str) -> dict[str, Any]:
    data = row["data"] or {}
    return {
        "source": row["source"],
        "code": row["code"],
        "type": row["method_type"],
        "scope": row["scope"],
        "target": row["target"],
        "appliesTo": row["uid_key"],
        "forComponent": row["uid_key"] != stack_key,
        **{k: v for k, v in data.items() if k not in ("lmo_keys",)},
    }
