"""Country's decisions (``biosafetyDecision``, DEC) of Canada, from ``country_approvals.csv``.

The file holds one row per LMO x approval (CFIA unconfined release, CFIA livestock feed, Health
Canada novel food). Rows of the same CFIA record, type, date and reference are one act: one
decision listing every LMO it covers. Rows with neither a date nor a year are skipped; a row with
only a year is dated 1 January of that year and says so.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from bch.importer.authorities import CFIA, HEALTH_CANADA
from bch.importer.events import EventIndex, reliable_uid
from bch.importer.organizations import OrganizationSet
from bch.importer.shapes import document, link, lstring, put, ref
from bch.importer.terms import Terms

SCHEMA = "biosafetyDecision"
CFIA_DECISION_DOCUMENTS = (
    "https://inspection.canada.ca/en/plant-varieties/plants-novel-traits/"
    "approved-under-review/decision-documents"
)
_DD = re.compile(r"^DD\d{2,4}-\d+$")
_SOURCE = (
    "Source: CFIA Plants with Novel Traits (PNT) and Novel Feeds from Plant Sources Approved in "
    "Canada (open.canada.ca, Open Government Licence - Canada), harvested by the GMO-map project."
)
_TYPES = {  # approval_type -> (authority, title prefix, DecisionTypes code, uses code, scope code)
    "cultivation": (CFIA, "Unconfined environmental release of", "art10", None, "release"),
    "feed": (CFIA, "CFIA livestock feed approval:", "ffpDomesticUse", "feed", "feed"),
    "food": (HEALTH_CANADA, "Health Canada novel food approval:", "ffpDomesticUse", "food", "food"),
}


def _cfia_products(cfia: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """CFIA product -> (plant, applicant): ``Alfalfa — Events J101 and J163 (Monsanto Canada
    Inc.)`` -> ``Events J101 and J163``: (``Alfalfa``, ``Monsanto Canada Inc.``)."""
    out: dict[str, tuple[str, str]] = {}
    for rec in sorted(cfia, key=lambda r: (r.get("name", ""), r.get("date", ""))):
        plant, sep, rest = rec.get("name", "").partition(" — ")
        company = rec.get("company", "")
        if sep and company and rest.endswith(f" ({company})"):
            product = " ".join(rest[: -len(company) - 3].split())
            out.setdefault(product, (plant.strip(), company))
    return out


def _events(name: str) -> str:
    return re.sub(r"^(Events?)\b", lambda m: m.group(1).lower(), name.strip())


def _lmo_key(row: dict[str, str], index: EventIndex) -> str | None:
    for text in (row.get("event_uid", ""), row.get("unique_identifier", "")):
        parsed = reliable_uid(text) if text.strip() else None
        if parsed is not None and index.has_key(parsed.key):
            return parsed.key
    key = f"event:{row.get('event_name', '').strip()}"
    return key if index.has_key(key) else None


def _lmo_keys(row: dict[str, str], index: EventIndex) -> list[str]:
    """The LMO of the row; a row naming several events (CFIA "(B. rapa) ZSR500, ZSR502,
    ZSR503", one record per event since issue 16) links to each of them when each is known."""
    key = _lmo_key(row, index)
    if key is not None:
        return [key]
    name = re.sub(r"\([^()]*\)", " ", row.get("event_name", "")).strip()
    parts = [p.strip() for p in name.split(",") if p.strip()] if "," in name else []
    keys = [f"event:{p}" for p in parts]
    return keys if keys and all(index.has_key(k) for k in keys) else []


def build_decisions(
    rows: list[dict[str, str]],
    cfia: list[dict[str, Any]],
    index: EventIndex,
    lmo_ids: dict[str, str],
    authority_ids: dict[str, str],
    organizations: OrganizationSet,
    terms: Terms,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    counts: Counter[str] = Counter()
    groups: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        kind = row.get("approval_type", "").strip()
        date, year = row.get("date", "").strip(), row.get("year", "").strip()
        if kind not in _TYPES or row.get("country", "").strip() != "CA":
            counts["decision_rows_skipped_unknown_type"] += 1
        elif not date and not year.isdigit():
            counts["decision_rows_skipped_no_date"] += 1
        else:
            when = date or f"{year}-01-01"
            counts["decision_rows_year_only"] += not date
            key = (kind, row.get("event_name", "").strip(), when, row.get("reference", "").strip())
            groups[key].append(row)
    products = _cfia_products(cfia)
    docs = []
    for key in sorted(groups):
        kind, event_name, when, reference = key
        members = groups[key]
        authority, prefix, dtype, use, scope = _TYPES[kind]
        lmos = []
        for row in members:
            found = _lmo_keys(row, index)
            counts["decision_rows_linked" if found else "decision_rows_unlinked"] += 1
            for lmo in found:
                if lmo_ids[lmo] not in lmos:
                    lmos.append(lmo_ids[lmo])
        if not lmos:
            counts["decisions_skipped_no_lmo"] += 1
            continue
        doc = document(SCHEMA, "CA:" + ":".join(key))
        doc["government"] = {"identifier": "CA"}
        doc["authorities"] = [ref(authority_ids[authority])]
        plant, applicant = products.get(" ".join(event_name.split()), ("", ""))
        subject = f"{plant} {_events(event_name)}".strip()
        title = f"{prefix} {subject}"
        doc["title"] = lstring(f"{reference}: {title}" if reference else title)
        doc["date"] = when
        doc["isAmendment"] = False
        put(doc, "decisionTypes", [t for t in [terms.code("DecisionTypes", dtype)] if t])
        if use:  # domestic approvals under Canada's own framework, not Art. 11.6 declarations
            put(doc, "uses", [t for t in [terms.code("DecisionLMOFFPSubject", use)] if t])
            doc["takenInAccordanceWithA116"] = False
        else:  # a domestic authorization, not a decision on a notified transboundary movement
            doc["addressesTransboundaryMovement"] = False
            # "importers, or the applicant when the decision was not triggered by an import"
            put(doc, "importers", [ref(i) for i in organizations.refs_for(applicant)])
        put(doc, "scopes", [t for t in [terms.code("DecisionScopes", scope)] if t])
        put(doc, "decisionResult", terms.code("DecisionResults", "approval"))
        doc["expires"] = False
        doc["modifiedOrganisms"] = [ref(i) for i in sorted(lmos)]
        if _DD.match(reference):
            name = f"CFIA decision documents (index; this decision: {reference})"
            put(doc, "documents", [link(CFIA_DECISION_DOCUMENTS, name, "CFIA")])
        details = list(dict.fromkeys(r.get("detail", "").strip() for r in members))
        info = " ".join(d if d.endswith(".") else d + "." for d in details if d)
        if any(not r.get("date", "").strip() for r in members):
            info += f" Only the year is known ({when[:4]}); the date is recorded as 1 January."
        put(doc, "relevantInformation", lstring(f"{info} {_SOURCE}".strip()))
        docs.append(doc)
        counts[f"decisions_{kind}"] += 1
    report = {"biosafetyDecision": len(docs), **dict(sorted(counts.items()))}
    return docs, report
