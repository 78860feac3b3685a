"""BioTradeStatus (CropLife International): ``/?event=<eventID>&querypagebypass=1``.

No page text of this site was found; its record content is known from descriptions: per
country, Product name, Event name, OECD Unique Identifier, Company, Market Status, Authorized
For (``food``, ``feed``, ``environmental/cultivation``, ``environmental/import``), Information
last updated. The adapter reads a table whose header row holds those column names.
Assumption (not observed): the home page links events as ``?event=<id>`` with the UID in the
link text. ``eventID`` is the site's own id (the BCH stores it per decision).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from bch.records.oecd_uid import try_parse_uid
from bch.sources.base import APPROVALS, NAMES, Approval, Source, SourceRecord, Target, country_code
from bch.sources.html import ids_by_uid, require, soup, table_rows

_EVENT = re.compile(r"[?&]event=(\d+)")
_USES = {
    "food": "food",
    "feed": "feed",
    "environmental/cultivation": "cultivation",
    "environmental/import": "import",
}


def parse_event(html: str, url: str, event_id: str) -> SourceRecord | None:
    page = soup(html)
    for table in page.find_all("table"):
        rows = table_rows(table)
        if rows and "OECD Unique Identifier" in rows[0] and "Authorized For" in rows[0]:
            col = {h: i for i, h in enumerate(rows[0])}
            break
    else:
        require(False, "biotradestatus", "no event status table")
    data = [r for r in rows[1:] if len(r) == len(col)]
    if not data:
        return None
    uid = data[0][col["OECD Unique Identifier"]]
    parsed = try_parse_uid(uid)
    approvals = []
    for r in data:
        for word in r[col["Authorized For"]].split(","):
            use = _USES.get(word.strip().casefold())
            if use:
                updated = (
                    r[col["Information last updated"]] if "Information last updated" in col else ""
                )
                approvals.append(
                    Approval(
                        country_code(r[col["Country"]]),
                        use,
                        None,
                        f"{r[col['Market Status']]}; updated {updated}".strip("; "),
                    )
                )
    return SourceRecord(
        source="biotradestatus",
        record_id=event_id,
        url=url,
        name=data[0][col["Event name"]],
        uid=uid,
        uid_key=parsed.key if parsed else None,
        trade_names=[data[0][col["Product name"]]] if data[0][col["Product name"]] else [],
        developer=data[0][col["Company"]] or None,
        approvals=approvals,
    )


class BioTradeStatus(Source):
    name = "biotradestatus"
    title = "BioTradeStatus (CropLife International)"
    home = "http://www.biotradestatus.com/"
    addressing = "?event=<BioTradeStatus event id>&querypagebypass=1"
    capabilities = frozenset({APPROVALS, NAMES})

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, f"?event={record_id}&querypagebypass=1")

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        ids = [target.source_ids[self.name]] if self.name in target.source_ids else []
        if not ids:
            home = soup(await http.text(self.name, base_url) or "")
            ids = ids_by_uid(home.find_all("a", href=_EVENT), _EVENT, target.uid_key)
        out = []
        for eid in dict.fromkeys(ids):
            url = self.record_url(base_url, eid)
            rec = parse_event(await http.text(self.name, url) or "", url, eid)
            if rec:
                out.append(rec)
        return out
