"""Side-by-side comparison, per country and use, of the clearing-house's decisions (the decision
matrix of services/matrix.py) and the approvals each external source states for the same LMO.

A disagreement is flagged only where both sides speak about the same country: a use approved
on one side and absent on the other (``missing``), a prohibition on one side and an approval
on the other (``conflict``), or approval years that differ (``year``). A country a source does
not cover at all is not a disagreement (coverage differs between databases).
"""

from __future__ import annotations

from typing import Any

from bch.sources.base import SourceRecord

# BCH decision scopes -> normalised source uses
SCOPE_USE = {"food": "food", "feed": "feed", "processing": "processing", "release": "cultivation"}
COMPARED_USES = ("food", "feed", "processing", "cultivation", "import")
_APPROVED = {"approved", "approvedWithConditions"}


def _bch_side(matrix: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in matrix.get("countries", []):
        cells = {}
        for scope, cell in row.get("cells", {}).items():
            use = SCOPE_USE.get(scope)
            if use:
                cells[use] = {"status": cell["status"], "date": cell.get("date")}
        out[row["country"]] = cells
    return out


def _source_side(records: list[SourceRecord]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for rec in records:
        if rec.relation != "exact":
            continue
        for a in rec.approvals:
            cell = out.setdefault(a.country, {}).get(a.use)
            if cell is None or (a.date or "9999") < (cell["date"] or "9999"):
                out[a.country][a.use] = {"status": a.status, "date": a.date, "record": rec.url}
    return out


def _year(date: str | None) -> str | None:
    return date[:4] if date else None


def _disagreement(bc: dict | None, sc: dict | None) -> str | None:
    b_ok = bool(bc) and bc["status"] in _APPROVED
    s_ok = bool(sc) and sc["status"] == "approved"
    if bc and sc:
        if b_ok != s_ok:
            return "conflict"
        by, sy = _year(bc.get("date")), _year(sc.get("date"))
        return "year" if b_ok and by and sy and by != sy else None
    return "missing" if b_ok or s_ok else None


def compare(matrix: dict[str, Any], per_source: dict[str, list[SourceRecord]]) -> dict[str, Any]:
    """Rows per country: BCH cells and each source's cells per use, with disagreements."""
    bch = _bch_side(matrix)
    sources = {name: _source_side(recs) for name, recs in per_source.items()}
    countries = sorted(set(bch) | {c for side in sources.values() for c in side})
    rows = []
    total = 0
    for country in countries:
        b = bch.get(country, {})
        row: dict[str, Any] = {"country": country, "bch": b, "sources": {}, "disagreements": []}
        for name, side in sources.items():
            s = side.get(country)
            if s is None:
                continue
            row["sources"][name] = s
            # ISAAA's per-country lists say "approved" with no use and no date ("reported"):
            # nothing to compare use by use, and never a disagreement
            if not b or all(c.get("status") == "reported" for c in s.values()):
                continue
            for use in COMPARED_USES:
                bc, sc = b.get(use), s.get(use)
                kind = _disagreement(bc, sc)
                if kind:
                    row["disagreements"].append(
                        {
                            "source": name,
                            "use": use,
                            "kind": kind,
                            "bch": bc,
                            "sourceValue": sc,
                        }
                    )
        total += len(row["disagreements"])
        rows.append(row)
    return {"uses": list(COMPARED_USES), "countries": rows, "disagreementCount": total}
