"""GMO Compass (archival, frozen around 2015): ``/eng/gmo/db/<n>.docu.html`` (15 = MON810,
61 = NK603 x MON810).

Record block: name heading, crop line, ``ID-Number`` (Ø mangled to ``ō`` or dropped:
``MON-ōō81ō-6``, ``MON-63-6 X MON-81-6``), ``International`` (``ISAAA: MON810``), ``Trait``,
``Status`` (``Valid authorisation``, ``Notified as "existing product"``), ``Company``,
``Presented in``, ``Date`` (``1995`` or ``10/06/2004``). Typographic apostrophes appear as
``í`` (Windows-1252 text read in another code page); the adapter repairs ``ís`` to ``'s``.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin

from bch.records.oecd_uid import try_parse_uid
from bch.sources.base import APPROVALS, NAMES, Approval, Source, SourceRecord, Target, year_of
from bch.sources.html import labelled, lines, require, soup

KNOWN_IDS = {"MON-00810-6": "15", "MON-00603-6+MON-00810-6": "61"}  # real GMO Compass pages
_APOSTROPHE = re.compile(r"(?<=\w)í(?=s\b|t\b)")


def _date(value: str) -> str | None:
    value = value.strip()
    try:
        return datetime.strptime(value, "%d/%m/%Y").date().isoformat()
    except ValueError:
        return year_of(value)


def parse_page(html: str, url: str, record_id: str) -> SourceRecord:
    page = soup(_APOSTROPHE.sub("'", html))
    rows = lines(page.body or page)
    require(
        any("GMO COMPASS" in r.upper() for r in rows[:20]), "gmo_compass", "no GMO Compass header"
    )
    uid = labelled(rows, "ID-Number")
    require(uid, "gmo_compass", "no ID-Number")
    parsed = try_parse_uid(uid)
    i = next(i for i, r in enumerate(rows) if r.startswith("ID-Number"))
    name = rows[i - 2] if i >= 2 else uid
    status = labelled(rows, "Status")
    approvals = []
    if "authorisation" in status.casefold() or "existing product" in status.casefold():
        approvals.append(Approval("EU", "food", _date(labelled(rows, "Date")), status))
        approvals.append(Approval("EU", "feed", _date(labelled(rows, "Date")), status))
    return SourceRecord(
        source="gmo_compass",
        record_id=record_id,
        url=url,
        name=name,
        uid=uid,
        uid_key=parsed.key if parsed else None,
        crop=rows[i - 1] if i >= 1 else None,
        developer=labelled(rows, "Company") or None,
        approvals=approvals,
    )


class GmoCompass(Source):
    name = "gmo_compass"
    title = "GMO Compass (archival)"
    home = "http://www.gmo-compass.org/eng/gmo/db/"
    addressing = "<GMO Compass integer id>.docu.html"
    capabilities = frozenset({APPROVALS, NAMES})
    believed_alive = False

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, f"{record_id}.docu.html")

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        rid = KNOWN_IDS.get(target.uid_key) or target.source_ids.get(self.name)
        if not rid:
            return []
        url = self.record_url(base_url, rid)
        html = await http.text(self.name, url, allow_404=True)
        return [parse_page(html, url, rid)] if html else []
