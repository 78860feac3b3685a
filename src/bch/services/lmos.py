"""LMOs by OECD unique identifier: any spelling resolves to the record, its decisions and methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bch.records.oecd_uid import UidError, parse_uid
from bch.services.errors import NotFound
from bch.services.matrix import build_matrix
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.services.records import RecordService, RecordView
from bch.storage.detection_methods import DetectionMethodRepository
from bch.storage.provenance import ProvenanceRepository, ReportedApprovalRepository
from bch.storage.records import RecordRepository
from bch.storage.scope import ReadScope


@dataclass
class LmoView:
    record: RecordView
    query: str
    canonical_uid: str
    also_matching: list[str]  # other LMO records registered with the same UID (data to clean)
    detection_methods: list[dict[str, Any]]
    # which source gave each field, the other sources' values as disagreements (issue 16)
    provenance: dict[str, Any] = field(default_factory=dict)
    # approvals other sources report per country (ISAAA), never the country's own decisions
    reported_approvals: list[dict[str, Any]] = field(default_factory=list)


class LmoService:
    def __init__(
        self,
        store: RecordRepository,
        records: RecordService,
        methods: DetectionMethodRepository,
        provenance: ProvenanceRepository | None = None,
        reported: ReportedApprovalRepository | None = None,
    ):
        self.store = store
        self.records = records
        self.methods = methods
        self.provenance = provenance or ProvenanceRepository()
        self.reported = reported or ReportedApprovalRepository()

    def _hits(self, conn, uid_text: str, scope: ReadScope):
        try:
            parsed = parse_uid(uid_text)
        except UidError as exc:
            raise NotFound(f"{uid_text!r} is not an OECD unique identifier ({exc})") from None
        hits = [
            doc
            for kind, doc in self.store.lmo_documents_by_key(
                conn, parsed.key, scope=scope, kind="exact"
            )
            if kind == "exact" and doc.schema == "modifiedOrganism"
        ]
        if not hits:
            raise NotFound(f"no LMO with the unique identifier {parsed.canonical}")
        return parsed, hits

    def named(self, uid_text: str, principal: Principal = ANONYMOUS) -> tuple[str, Any]:
        """(canonical UID, record row) of an LMO, without its view, methods or provenance: what
        a stack's page shows of each component (`find` costs several times more)."""
        with self.store.reading() as conn:
            parsed, hits = self._hits(conn, uid_text, read_scope(principal))
        return parsed.canonical, hits[0]

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
            key = parsed.key
            reported = self.reported.for_keys(conn, [key, *parsed.component_keys])
        matrix["uniqueIdentification"] = parsed.canonical
        matrix["reported"] = [_reported(r, key) for r in reported]
        return matrix

    def matrix_of(self, found: LmoView, principal: Principal = ANONYMOUS) -> dict[str, Any]:
        """decision_matrix of an LMO `find` gave (to the same principal), from what it read:
        the decisions among the records referencing it, the approvals reported for it; only
        the decisions' bodies and their risk assessments are read."""
        lmo = found.record.doc
        decisions = [
            doc
            for field, doc in found.record.referenced_by
            if doc.schema == "biosafetyDecision" and field == "modifiedOrganisms"
        ]
        with self.store.reading() as conn:
            matrix = build_matrix(
                self.store, self.records.thesaurus, conn, lmo, decisions, read_scope(principal)
            )
        matrix["uniqueIdentification"] = found.canonical_uid
        matrix["reported"] = [dict(r) for r in found.reported_approvals]
        return matrix

    def reported_in_country(self, country: str) -> list[dict[str, Any]]:
        """Events other sources (ISAAA) report approved in `country`, each with its canonical UID
        and whether the clearing-house holds an LMO record of it (never a decision record)."""
        with self.store.reading() as conn:
            rows = self.reported.for_country(conn, country)
            out = []
            for r in rows:
                try:
                    parsed = parse_uid(r["uid"])
                except UidError:
                    continue
                known = any(
                    kind == "exact" and doc.schema == "modifiedOrganism"
                    for kind, doc in self.store.lmo_documents_by_key(
                        conn, parsed.key, scope=read_scope(ANONYMOUS), kind="exact"
                    )
                )
                item = _reported(r, parsed.key)
                out.append({**item, "canonical": parsed.canonical, "inRegistry": known})
        return sorted(out, key=lambda r: r["canonical"])

    def find(self, uid_text: str, principal: Principal = ANONYMOUS) -> LmoView:
        with self.store.reading() as conn:
            parsed, hits = self._hits(conn, uid_text, read_scope(principal))
            view = self.records.view_of(conn, hits[0], principal)
            key = parsed.key  # a property computed on each use: once here
            keys = [key, *parsed.component_keys]
            methods = self.methods.for_keys(conn, keys)
            provenance = self.provenance.of(conn, view.doc.identifier)
            reported = self.reported.for_keys(conn, keys)
        return LmoView(
            record=view,
            query=uid_text,
            canonical_uid=parsed.canonical,
            also_matching=[f"{d.uid_base}-{d.latest_revision}" for d in hits[1:]],
            detection_methods=[_method(m, key) for m in methods],
            provenance=named_provenance(provenance),
            reported_approvals=[_reported(r, key) for r in reported],
        )

    def provenance_of(self, identifier: str) -> dict[str, Any]:
        """The provenance block of any imported record (organisms, genetic elements, decisions,
        the registers' and the CHM realm's records as LMOs): named_provenance(); empty for
        records no import made. Public: the sources are public data."""
        with self.store.reading() as conn:
            return named_provenance(self.provenance.of(conn, identifier))

    def sources_of(self, identifier: str) -> list[dict[str, str]]:
        """The sources an import took a record's values from (any record type: the national
        registers and the CHM realm have one each), ``[{source, sourceName, retrieved,
        record?}]``; empty for records no import made. Public: the sources are public data."""
        block = self.provenance_of(identifier)
        seen: dict[str, dict[str, str]] = {}
        for entries in block["fields"].values():
            for e in entries:
                seen.setdefault(e["source"], {k: e[k] for k in e if k != "unreliable"})
        return sorted(seen.values(), key=lambda e: e["source"])

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


REPORTED_SOURCES = {"isaaa2026": "ISAAA"}


def named_provenance(block: dict[str, Any] | None) -> dict[str, Any]:
    """``{fields: {field: [{source, sourceName, retrieved, record?}]}, disagreements: [...],
    flags: [...]}``: the stored block with each source's name; empty for records that no
    import made."""
    from bch.importer.provenance import SOURCES

    if not block:
        return {"fields": {}, "disagreements": [], "flags": []}

    def named(item: dict[str, Any]) -> dict[str, Any]:
        label = SOURCES.get(item.get("source", ""), (item.get("source", ""),))[0]
        return {**item, "sourceName": label}

    out = {
        "fields": {k: [named(e) for e in v] for k, v in block.get("fields", {}).items()},
        "disagreements": [named(d) for d in block.get("disagreements", [])],
        "flags": list(block.get("flags", [])),
    }
    if block.get("merged"):
        out["merged"] = list(block["merged"])
    return out


def _reported(row: dict[str, Any], key: str) -> dict[str, Any]:
    """One country where a source reports the LMO (or, for a stack, a component) approved."""
    return {
        "country": row["country"],
        "source": REPORTED_SOURCES.get(row["source"], row["source"]),
        "uid": row["uid"],
        "appliesTo": row["uid_key"],
        "forComponent": row["uid_key"] != key,
        "retrieved": row["retrieved"],
    }


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
