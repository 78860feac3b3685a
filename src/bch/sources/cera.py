"""CERA GM Crop Database (ILSI Research Foundation): ``GmCropDatabaseEvent/<event name>``.

2017 layout: heading ``<event> (<UID>[, <UID>…])`` (``GA21 x MON810 (MON-ØØØ21-9,
MON-ØØ81Ø-6)``), label/value pairs (``Host Organism``, ``Product Developer``), a ``Summary of
Regulatory Approvals`` table ``Country | Food | Feed | Environment | Notes`` with years, and the
footer ``This record was last modified on Friday, August 11, 2017``. Believed unmaintained.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, urljoin

from bch.records.oecd_uid import try_parse_uid
from bch.sources.base import (
    APPROVALS,
    NAMES,
    Approval,
    Source,
    SourceRecord,
    Target,
    country_code,
    year_of,
)
from bch.sources.html import labelled, lines, require, soup, table_rows

_HEADING = re.compile(r"^(.+?)\s*\(([^()]+)\)\s*$")
_MODIFIED = re.compile(r"last modified on \w+, (\w+ \d{1,2}, \d{4})")
_COLUMNS = {"food": "food", "feed": "feed", "environment": "cultivation"}


def parse_event(html: str, url: str, record_id: str) -> SourceRecord | None:
    page = soup(html)
    rows = lines(page.body or page)
    require(any("GM Crop Database" in r for r in rows), "cera", "not a GM Crop Database page")
    heading = next((r for r in rows if _HEADING.match(r) and "-" in r), "")
    if not heading:
        return None
    name, uids = _HEADING.match(heading).groups()
    parsed = try_parse_uid(uids.replace(",", " x "))
    approvals = []
    for table in page.find_all("table"):
        body = table_rows(table)
        if not body or not body[0] or body[0][0] != "Country":
            continue
        cols = [_COLUMNS.get(h.casefold()) for h in body[0]]
        for row in body[1:]:
            for use, cell in zip(cols[1:], row[1:], strict=False):
                if use and year_of(cell):
                    approvals.append(Approval(country_code(row[0]), use, year_of(cell)))
    m = _MODIFIED.search(" ".join(rows))
    updated = datetime.strptime(m.group(1), "%B %d, %Y").date().isoformat() if m else None
    return SourceRecord(
        source="cera",
        record_id=record_id,
        url=url,
        name=name,
        uid=uids,
        uid_key=parsed.key if parsed else None,
        crop=labelled(rows, "Host Organism") or None,
        developer=labelled(rows, "Product Developer") or None,
        approvals=approvals,
        updated=updated,
    )


class Cera(Source):
    name = "cera"
    title = "CERA GM Crop Database (ILSI Research Foundation)"
    home = "http://cera-gmc.org/"
    addressing = "GmCropDatabaseEvent/<event name> (%20 for spaces)"
    capabilities = frozenset({APPROVALS, NAMES})
    believed_alive = False

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, "GmCropDatabaseEvent/" + quote(record_id))

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        for name in target.event_names[:3]:
            url = self.record_url(base_url, name)
            html = await http.text(self.name, url, allow_404=True)
            rec = parse_event(html, url, name) if html else None
            if rec is not None:
                return [rec]
        return []
