"""The decision matrix of one LMO: per country and scope, the status of the country's decisions.

Shared by the JSON API (/api/v1/lmos/{uid}/decisions) and the LMO web page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bch.records.countries import country as country_info
from bch.records.thesaurus import Thesaurus
from bch.services.summaries import record_summary
from bch.storage.database import Connection
from bch.storage.records import RecordRepository
from bch.storage.rows import DocumentRow
from bch.storage.scope import ReadScope

SCOPES = (
    "food",
    "feed",
    "processing",
    "release",
    "fieldTrial",
    "containedUse",
    "pharmaceutical",
    "transit",
    "otherUses",
)
STATUS_BY_RESULT = {
    "approval": "approved",
    "approvalWithConditions": "approvedWithConditions",
    "prohibition": "prohibited",
    "requestInformation": "pending",
    "periodExtended": "pending",
}
# a cell shows the strongest statement when several decisions of the same date disagree
_RANK = {"prohibited": 4, "approvedWithConditions": 3, "approved": 2, "pending": 1, "unknown": 0}
_TYPE_SCOPES = {"art10": "release", "containedUse": "containedUse", "transit": "transit"}


@dataclass
class Cell:
    status: str
    date: str | None
    decisions: list[str] = field(default_factory=list)


def _code(thesaurus: Thesaurus, term: Any) -> str | None:
    ident = term.get("identifier") if isinstance(term, dict) else None
    found = thesaurus.term(ident) if ident else None
    return found.code if found else None


def decision_scopes(thesaurus: Thesaurus, body: dict[str, Any]) -> list[str]:
    """Scopes of a decision: its `scopes` terms, else derived from its uses and decision types."""
    scopes = [_code(thesaurus, t) for t in body.get("scopes") or []]
    if not any(scopes):
        scopes = [_code(thesaurus, t) for t in body.get("uses") or []]
        for t in body.get("decisionTypes") or []:
            ident = t.get("identifier", "") if isinstance(t, dict) else ""
            codes = [
                thesaurus.term(a).code
                for a in thesaurus.broader_closure(ident)
                if thesaurus.term(a)
            ]
            scopes += [_TYPE_SCOPES[c] for c in codes if c in _TYPE_SCOPES]
    return [s for s in dict.fromkeys(scopes) if s in SCOPES]


def decision_status(thesaurus: Thesaurus, body: dict[str, Any]) -> str:
    return STATUS_BY_RESULT.get(_code(thesaurus, body.get("decisionResult")) or "", "unknown")


def build_matrix(
    store: RecordRepository,
    thesaurus: Thesaurus,
    conn: Connection,
    lmo: DocumentRow,
    decisions: list[DocumentRow],
    scope: ReadScope,
) -> dict[str, Any]:
    """The matrix of `lmo` from its `decisions` (records in the caller's `scope`); risk
    assessments the decisions cite are listed when they are in that scope too."""
    bodies = store.latest_bodies(conn, [d.id for d in decisions])
    ra_ids = {
        r["identifier"]
        for b in bodies.values()
        for r in b.get("riskAssessments") or []
        if isinstance(r, dict) and "identifier" in r
    }
    ras = store.documents_by_identifiers(conn, ra_ids, scope=scope)
    rows: dict[str, dict[str, Any]] = {}
    for doc in sorted(decisions, key=lambda d: (bodies.get(d.id, {}).get("date") or "", d.id)):
        body = bodies.get(doc.id, {})
        summary = record_summary(doc)
        status = decision_status(thesaurus, body)
        date = body.get("date")
        row = rows.setdefault(doc.owner, {"cells": {}, "decisions": [], "riskAssessments": []})
        row["decisions"].append(
            {**summary, "date": date, "status": status, "scopes": decision_scopes(thesaurus, body)}
        )
        for scope in decision_scopes(thesaurus, body):
            cell = row["cells"].get(scope)
            newer = cell is None or (date or "") > (cell.date or "")
            same = cell is not None and (date or "") == (cell.date or "")
            if newer or (same and _RANK[status] > _RANK[cell.status]):
                cell = Cell(status, date, cell.decisions if cell else [])
                row["cells"][scope] = cell
            cell.decisions.append(summary["id"])
        for ref in body.get("riskAssessments") or []:
            ra = ras.get(ref.get("identifier")) if isinstance(ref, dict) else None
            if ra is not None:
                row["riskAssessments"].append(record_summary(ra))
    countries = []
    for code in sorted(rows):
        info = country_info(code)
        row = rows[code]
        countries.append(
            {
                "country": code,
                "name": info.name if info else {"en": code},
                "cells": {
                    s: {"status": c.status, "date": c.date, "decisions": c.decisions}
                    for s, c in row["cells"].items()
                },
                "decisions": row["decisions"],
                "riskAssessments": row["riskAssessments"],
            }
        )
    scope_domain = thesaurus.domain("DecisionScopes")
    titles = {t.code: t.title for t in scope_domain.terms} if scope_domain else {}
    return {
        "lmo": record_summary(lmo),
        "scopes": [{"code": s, "title": titles.get(s, {"en": s})} for s in SCOPES],
        "statuses": sorted(_RANK, key=lambda s: -_RANK[s]),
        "countries": countries,
    }
