"""Organizations (``organization``, ORG): the LMO developers named by the CFIA register.

Names come from ``lmo_events.csv`` (column ``developer``) and the CFIA records (``company`` of
transgenic records). Joint applicants (``A and B``, ``A & B``) are split at the top level (never
inside parentheses). Duplicates are merged only when equal after case and whitespace folding;
the first spelling in sorted order is kept as the record's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bch.importer.shapes import document, lstring

SCHEMA = "organization"
_JOINT = re.compile(r"\s+(?:and|&)\s+")
_SOURCE = (
    "Source: CFIA Plants with Novel Traits register (applicant at the time of application), "
    "via the CFIA PNT open data set (Open Government Licence - Canada)."
)


def org_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def split_developers(text: str) -> list[str]:
    """``Monsanto Canada Inc. and KWS SAAT AG`` -> both names; parentheses are kept whole."""
    text = " ".join((text or "").split())
    if not text:
        return []
    parts, depth, start = [], 0, 0
    for m in re.finditer(r"[()]|" + _JOINT.pattern, text):
        tok = m.group(0)
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(text[start : m.start()])
            start = m.end()
    parts.append(text[start:])
    return [p.strip(" ,;") for p in parts if p.strip(" ,;")]


@dataclass
class OrganizationSet:
    documents: list[dict[str, Any]]
    ids: dict[str, str]  # org_key -> header identifier

    def refs_for(self, developer_text: str) -> list[str]:
        out = []
        for name in split_developers(developer_text):
            ident = self.ids.get(org_key(name))
            if ident and ident not in out:
                out.append(ident)
        return out


def build_organizations(
    lmo_rows: list[dict[str, str]], cfia: list[dict[str, Any]]
) -> tuple[OrganizationSet, dict[str, int]]:
    names: list[str] = [r.get("developer", "") for r in lmo_rows]
    skipped_non_lmo = 0  # CFIA records of non-transgenic (mutagenesis) products
    for rec in cfia:
        if rec.get("transgenic"):
            names.append(rec.get("company") or "")
        elif rec.get("company"):
            skipped_non_lmo += 1
    spellings: dict[str, set[str]] = {}
    for text in names:
        for name in split_developers(text):
            spellings.setdefault(org_key(name), set()).add(name)
    documents, ids = [], {}
    for key in sorted(spellings):
        name = sorted(spellings[key])[0]
        doc = document(SCHEMA, key)
        doc["name"] = lstring(name)
        variants = sorted(spellings[key] - {name})
        note = _SOURCE + (f" Also spelled: {'; '.join(variants)}." if variants else "")
        doc["relevantInformation"] = lstring(note)
        documents.append(doc)
        ids[key] = doc["header"]["identifier"]
    report = {
        "organization": len(documents),
        "organization_spellings_merged": sum(len(v) - 1 for v in spellings.values()),
        "cfia_non_lmo_records_skipped": skipped_non_lmo,
    }
    return OrganizationSet(documents, ids), report
