"""National records from real registers (issue 16 item 4).

* The BCH national focal points of 32 countries (``bch_stubs.json``, the CBD BCH national focal
  point list): one ``focalPoint`` (NFP, category BCH-FP) per country with the office (or post)
  and its website as published. No person is named by the source, none is invented.
* Australia's licensed GM crop field trials (``ogtr_trials.json``, the OGTR crop field-trial map,
  archived 2026-03-15): one ``biosafetyDecision`` per DIR licence, taken by the Office of the Gene
  Technology Regulator (a ``authority`` record), with the licence holder (an ``organization``)
  and its sites in the decision's ``sites`` field. The source gives no date, no UID and no
  licence conditions: none is written. Its coordinates are state reference points, never a
  site's place (``precise`` false): they are kept with ``coordinatesPrecision`` "state".
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bch.importer.organizations import OrganizationSet, org_key
from bch.importer.shapes import document, link, lstring, put, ref
from bch.importer.terms import Terms
from bch.records.countries import country
from bch.sources.base import country_code as source_country_code

OGTR_SOURCE = (
    "Source: Office of the Gene Technology Regulator (OGTR), crop field trial map "
    "(https://www.ogtr.gov.au/what-weve-approved/crop-field-trial-map), archived page of "
    "2026-03-15, as harvested by the GMO-map project (ogtr_trials.json)."
)
OGTR_MAP = "https://www.ogtr.gov.au/what-weve-approved/crop-field-trial-map"
_SUFFIX = " — BCH national focal point"
# a post rather than an office: "Chief Regulatory and Quarantine Officer", "Head of Division ..."
_POST = re.compile(r"\bOfficer\b|^Head of\b")
_TRAITS = re.compile(r"field trial site, (.*), held by ")
_TITLE = re.compile(r"^(DIR \d+) — (.*?) \(site [^)]*\)")


def country_code(name: str) -> str | None:
    """ISO code of a country as the sources name it (UN names included); None when unknown."""
    code = source_country_code(name)
    return code if country(code) is not None else None


def build_focal_points(stubs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    docs, skipped = [], 0
    for stub in sorted(stubs, key=lambda s: s.get("country", "")):
        code = country_code(stub.get("country", ""))
        office = str(stub.get("name", "")).removesuffix(_SUFFIX).strip()
        if code is None or not office:
            skipped += 1
            continue
        doc = document("focalPoint", f"{code}:BCH-FP:{office}")
        doc["government"] = {"identifier": code}
        doc["categories"] = ["BCH-FP"]
        doc["designation" if _POST.search(office) else "organization"] = lstring(office)
        if stub.get("url"):
            doc["websites"] = [link(stub["url"], office)]
        docs.append(doc)
    return docs, {"focalPoint": len(docs), "focal_points_skipped_unknown_country": skipped}


@dataclass
class FieldTrials:
    documents: list[dict[str, Any]] = field(default_factory=list)  # authority, orgs, decisions
    report: dict[str, int] = field(default_factory=dict)


def _ogtr_authority() -> dict[str, Any]:
    doc = document("authority", "AU:OGTR")
    doc["government"] = {"identifier": "AU"}
    doc["name"] = lstring("Office of the Gene Technology Regulator")
    doc["acronym"] = "OGTR"
    doc["websites"] = [link("https://www.ogtr.gov.au/", "Office of the Gene Technology Regulator")]
    doc["relevantInformation"] = lstring(
        "Issues the DIR licences for dealings involving intentional release of GMOs into the "
        f"environment in Australia, among them the licensed field trials imported here. {OGTR_SOURCE}"
    )
    return doc


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _site(row: dict[str, Any]) -> dict[str, Any]:
    site: dict[str, Any] = {}
    put(site, "siteNumber", str(row.get("site_number") or "").strip())
    put(site, "locality", str(row.get("lga") or "").strip())
    put(site, "areaHectares", _number(str(row.get("size") or "")))
    put(site, "status", str(row.get("status") or "").strip())
    if isinstance(row.get("lat"), int | float) and isinstance(row.get("lng"), int | float):
        site["latitude"] = float(row["lat"])
        site["longitude"] = float(row["lng"])
        grade = "site" if row.get("precise") else str(row.get("addr_grade") or "state")
        site["coordinatesPrecision"] = grade
    return site


def _site_order(site: dict[str, Any]) -> tuple[int, str]:
    number = site.get("siteNumber", "")
    return (int(number), "") if number.isdigit() else (10**6, number)


def build_field_trials(
    rows: list[dict[str, Any]], organizations: OrganizationSet, terms: Terms
) -> FieldTrials:
    out = FieldTrials()
    authority = _ogtr_authority()
    out.documents.append(authority)
    by_licence: dict[str, list[dict[str, Any]]] = defaultdict(list)
    skipped = 0
    for row in rows:
        if row.get("source") == "ogtr" and str(row.get("licence", "")).startswith("DIR "):
            by_licence[row["licence"]].append(row)
        else:
            skipped += 1
    holders: dict[str, str] = {}
    decisions = []
    for licence in sorted(by_licence, key=lambda s: int(s.split()[1])):
        sites = by_licence[licence]
        first = sites[0]
        holder = str(first.get("company") or "").strip()
        holder_id = organizations.ids.get(org_key(holder)) if holder else None
        if holder and holder_id is None:
            holder_id = holders.get(org_key(holder))
            if holder_id is None:
                org = document("organization", org_key(holder))
                org["name"] = lstring(holder)
                org["relevantInformation"] = lstring(
                    f"Licence holder named by the OGTR. {OGTR_SOURCE}"
                )
                out.documents.append(org)
                holder_id = holders[org_key(holder)] = org["header"]["identifier"]
        m = _TITLE.match(str(first.get("name") or ""))
        subject = m.group(2) if m else str(first.get("type") or "").split(",")[0]
        doc = document("biosafetyDecision", f"AU:OGTR:{licence}")
        doc["government"] = {"identifier": "AU"}
        doc["authorities"] = [ref(authority["header"]["identifier"])]
        doc["title"] = lstring(f"{licence}: {subject}")
        doc["isAmendment"] = False
        put(doc, "decisionTypes", [t for t in [terms.code("DecisionTypes", "art10")] if t])
        put(doc, "scopes", [t for t in [terms.code("DecisionScopes", "fieldTrial")] if t])
        doc["addressesTransboundaryMovement"] = False
        doc["involvesFieldTrial"] = True
        if holder_id:
            doc["importers"] = [ref(holder_id)]
        doc["expires"] = False
        doc["sites"] = sorted((_site(r) for r in sites), key=_site_order)
        traits = _TRAITS.search(str(first.get("desc") or ""))
        info = f"Licensed field trial of {subject} (OGTR licence {licence})"
        info += f", held by {holder}." if holder else "."
        if traits:
            info += f" Traits as the OGTR lists them: {traits.group(1)}."
        info += (
            " The OGTR names the council area of each site; the coordinates are state reference "
            f"points, not the sites. {OGTR_SOURCE}"
        )
        doc["relevantInformation"] = lstring(info)
        doc["documents"] = [link(OGTR_MAP, "OGTR crop field trial map", "OGTR")]
        decisions.append(doc)
    out.documents.extend(decisions)
    out.report = {
        "field_trial_licences": len(decisions),
        "field_trial_sites": sum(len(v) for v in by_licence.values()),
        "field_trial_rows_skipped": skipped,
        "field_trial_holders_added": len(holders),
    }
    return out
