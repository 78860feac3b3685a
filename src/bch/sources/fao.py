"""FAO GM Foods Platform: one page per country x UID,
``…/oecd-unique-identifier/oecd-unique-identifier-details/en/?ui=<int>``.

The record page shows ``OECD Unique Identifier details``, the UID (stacks without spaces),
``Commodity:``, ``Traits:``, a country line, ``Name of product applicant:``, ``Date of
authorization:`` (DD/MM/YYYY), ``Scope of authorization:``, the detection-method/reference-
material paragraph and ``Authorization expiration date …`` (D/M/YYYY or blank), in two layouts
(label and value on separate lines, or two-cell table rows); both read as text lines here.

Assumption (not observed): the browse page ``…/oecd-unique-identifier/en/`` lists the records
as ``?ui=`` links whose text is the UID; that is how the adapter finds the ``ui`` of a UID.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin

from bch.records.oecd_uid import try_parse_uid
from bch.sources.base import (
    APPROVALS,
    NAMES,
    REFERENCE_MATERIALS,
    Approval,
    Source,
    SourceRecord,
    Target,
    country_code,
    uses_of,
)
from bch.sources.html import ids_by_uid, labelled, lines, reference_materials, require, soup, text

BROWSE = "browse-information-by/oecd-unique-identifier/en/"
DETAILS = "browse-information-by/oecd-unique-identifier/oecd-unique-identifier-details/en/?ui="
_UI = re.compile(r"[?&]ui=(\d+)")
_METHOD_LABEL = "Where detection method protocols"
MAX_RECORDS = 12


def _date(value: str) -> str | None:
    try:
        return datetime.strptime(value.strip(), "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None


def parse_record(html: str, url: str, ui: str) -> SourceRecord:
    page = soup(html)
    rows = lines(page.body or page)
    require("OECD Unique Identifier details" in rows, "fao", "no 'OECD Unique Identifier details'")
    start = rows.index("OECD Unique Identifier details")
    uid = next((r for r in rows[start + 1 : start + 3] if try_parse_uid(r)), "")
    parsed = try_parse_uid(uid) if uid else None
    country = ""
    for r in rows[start:]:
        if r.startswith("Name of product applicant"):
            break
        code = country_code(r)
        if len(code) == 2 and code.isupper():
            country = code
    scope = labelled(rows, "Scope of authorization:")
    date = _date(labelled(rows, "Date of authorization:"))
    expiry = labelled(rows, "Authorization expiration date")
    detail = f"expires {expiry}" if expiry and _date(expiry) else ""
    methods_text = next((r for r in rows if r.startswith(_METHOD_LABEL)), "")
    after = rows[rows.index(methods_text) + 1] if methods_text else ""
    return SourceRecord(
        source="fao",
        record_id=ui,
        url=url,
        name=uid or text(page.find("h1")),
        uid=uid or None,
        uid_key=parsed.key if parsed else None,
        crop=labelled(rows, "Commodity:") or None,
        developer=labelled(rows, "Name of product applicant:") or None,
        approvals=[Approval(country, use, date, detail) for use in uses_of(scope) if country],
        reference_materials=reference_materials(f"{methods_text} {after}"),
    )


class Fao(Source):
    name = "fao"
    title = "FAO GM Foods Platform"
    home = "https://www.fao.org/food/food-safety-quality/gm-foods-platform/"
    addressing = "oecd-unique-identifier-details/en/?ui=<FAO id of one country's record>"
    capabilities = frozenset({APPROVALS, NAMES, REFERENCE_MATERIALS})
    believed_alive = False  # the old path is believed retired (moved to fao.org/gm-platform)

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, DETAILS + record_id)

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        listing = soup(await http.text(self.name, urljoin(base_url, BROWSE)) or "")
        links = listing.find_all("a", href=_UI)
        require(links, self.name, "no ?ui= links on the browse page")
        out = []
        for ui in ids_by_uid(links, _UI, target.uid_key)[:MAX_RECORDS]:
            url = self.record_url(base_url, ui)
            out.append(parse_record(await http.text(self.name, url) or "", url, ui))
        return out
