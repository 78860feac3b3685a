"""ISAAA GM Approval Database (classic ASP): ``event/default.asp?EventID=<int>``.

The event page's ``.contenttext`` block holds ``<h1>Event Name: …``, a first ``<p>`` with
``Event Code : <UID>`` and ``Trade Name: …``, a second ``<p>`` with ``Crop: …``, and the table
``Country | Food … | Feed … | Cultivation …`` whose year cells are empty ``<span id=…>`` filled
by inline scripts (``document.getElementById("x").innerHTML = "2003 *";``). The ``Event=``
parameter is ignored by the site (links carry ``{recEvents.EventName}``); only EventID counts.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urljoin

from bch.importer.events import norm_name
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
from bch.sources.html import lines, require, soup, text

_FILL = re.compile(
    r"""getElementById\(\s*["']([^"']+)["']\s*\)\.innerHTML\s*=\s*["']([^"']*)["']"""
)
_EVENT_ID = re.compile(r"EventID=(\d+)", re.I)
_UPDATED = re.compile(r"Last updated:\s*([A-Z][a-z]+ \d{1,2}, \d{4})")
_COLUMNS = (("food", "Food"), ("feed", "Feed"), ("cultivation", "Cultivation"))
_NA = {"not available", "n/a", ""}
LISTING = (
    "advsearch/default.asp?CropID=Any&TraitTypeID=Any&DeveloperID=Any&CountryID=Any"
    "&ApprovalTypeID=Any"
)


def _after(label: str, line: str) -> str:
    return line.split(label, 1)[1].strip(" :") if label in line else ""


def parse_event(html: str, url: str, event_id: str) -> SourceRecord:
    page = soup(html)
    block = page.select_one(".contenttext") or page.select_one("#contenttext")
    require(block is not None, "isaaa", "no .contenttext block")
    h1 = text(block.find("h1"))
    require(h1.startswith("Event Name"), "isaaa", "no 'Event Name:' heading")
    name = _after("Event Name", h1)
    paras = block.find_all("p")
    first = lines(paras[0]) if paras else []
    uid = next((_after("Event Code", ln) for ln in first if "Event Code" in ln), "")
    trade = next((_after("Trade Name", ln) for ln in first if "Trade Name" in ln), "")
    crop = _after("Crop", text(paras[1])) if len(paras) > 1 else ""
    developer = ""
    for p in paras:
        if "Developer" in text(p):
            developer = _after("Developer", text(p))
    fills = {
        k: v for script in page.find_all("script") for k, v in _FILL.findall(script.string or "")
    }
    approvals = []
    for table in block.find_all("table"):
        header = [text(c) for c in (table.find("tr") or page.new_tag("tr")).find_all(["td", "th"])]
        if not header or header[0] != "Country":
            continue
        cols = [next((u for u, w in _COLUMNS if h.startswith(w)), None) for h in header]
        for tr in table.find_all("tr")[1:]:
            cells = tr.find_all(["td", "th"])
            if not cells:
                continue
            code = country_code(text(cells[0]))
            for use, cell in zip(cols[1:], cells[1:], strict=False):
                span = cell.find("span", id=True)
                value = fills.get(span["id"], "") if span is not None else text(cell)
                if use and year_of(value):
                    approvals.append(
                        Approval(
                            code, use, year_of(value), "note: see page" if "*" in value else ""
                        )
                    )
    parsed = try_parse_uid(uid) if uid.casefold() not in _NA else None
    m = _UPDATED.search(text(page))
    updated = datetime.strptime(m.group(1), "%B %d, %Y").date().isoformat() if m else None
    return SourceRecord(
        source="isaaa",
        record_id=event_id,
        url=url,
        name=name,
        uid=None if uid.casefold() in _NA else uid,
        uid_key=parsed.key if parsed else None,
        trade_names=[t.strip() for t in trade.split(",") if t.strip().casefold() not in _NA],
        crop=crop or None,
        developer=developer or None,
        approvals=approvals,
        updated=updated,
    )


def listing_links(html: str) -> list[tuple[str, str]]:
    """(EventID, link text) of the all-events search page: the links of its second table."""
    page = soup(html)
    tables = page.find_all("table")
    require(len(tables) >= 2, "isaaa", "the event listing has no second table")
    out = []
    for a in tables[1].find_all("a", href=True):
        m = _EVENT_ID.search(a["href"])
        if m:
            out.append((m.group(1), text(a)))
    return out


class Isaaa(Source):
    name = "isaaa"
    title = "ISAAA GM Approval Database"
    home = "https://www.isaaa.org/gmapprovaldatabase/"
    addressing = "event/default.asp?EventID=<ISAAA integer id>"
    capabilities = frozenset({APPROVALS, NAMES})

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, f"event/default.asp?EventID={record_id}")

    async def _ids_for(self, http, base_url: str, target: Target) -> list[str]:
        if target.source_ids.get(self.name):
            return [target.source_ids[self.name]]
        wanted = {norm_name(n) for n in target.event_names}
        html = await http.text(self.name, urljoin(base_url, LISTING))
        return [i for i, label in listing_links(html or "") if norm_name(label) in wanted]

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        out = []
        for event_id in await self._ids_for(http, base_url, target):
            url = self.record_url(base_url, event_id)
            html = await http.text(self.name, url, allow_404=True)
            if html:
                out.append(parse_event(html, url, event_id))
        return out

    async def crawl(self, http, base_url: str, progress=None) -> list[SourceRecord]:
        links = listing_links(await http.text(self.name, urljoin(base_url, LISTING)) or "")
        require(links, self.name, "no event links in the listing")
        out = []
        for event_id, _ in dict.fromkeys(links):
            url = self.record_url(base_url, event_id)
            out.append(parse_event(await http.text(self.name, url) or "", url, event_id))
            if progress:
                progress(len(links))
        return out
