"""EUginius (JavaServer Faces): ``/euginius/pages/gmo_detail.jsf?gmoname=<event name>``.

The GMO page lists ``GMO:``, ``Alias:``, ``UID:``, ``Tradename:``, ``Companies/Institutions:``,
``Species:``, ``Traits:`` as list items, then a methods table (code, scope, targets,
description, validation, standardisation, count), and links to application pages
(``application_detail.jsf;jsessionid=…?application=<signed 64-bit int>``) whose
``Decision date / Expiry date: DD.MM.YYYY / DD.MM.YYYY`` and ``Use-Category | Intended Use |
Detail | Status | Comment`` table give the EU authorisations. URLs may carry ``;jsessionid=``.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote, quote_plus, urljoin

from bch.records.oecd_uid import try_parse_uid
from bch.sources.base import (
    APPROVALS,
    METHODS,
    NAMES,
    Approval,
    Source,
    SourceRecord,
    Target,
    country_code,
)
from bch.sources.html import labelled, lines, require, soup, table_rows, text

GMO_PAGE = "euginius/pages/gmo_detail.jsf?gmoname="
METHOD_PAGE = "euginius/pages/method_detailview.jsf?method="
_APP = re.compile(r"application_detail\.jsf(?:;jsessionid=[^?]*)?\?application=(-?\d+)")
_DATES = re.compile(r"(\d{2}\.\d{2}\.\d{4})\s*/\s*(\d{2}\.\d{2}\.\d{4})?")
_USE = {"food": "food", "feed": "feed", "cultivation": "cultivation", "other uses": "other"}
MAX_APPLICATIONS = 4


def _iso(d: str | None) -> str | None:
    return datetime.strptime(d, "%d.%m.%Y").date().isoformat() if d else None


def parse_gmo(html: str, url: str, base_url: str) -> tuple[SourceRecord | None, list[str]]:
    page = soup(html)
    rows = lines(page.body or page)
    require(any(r.startswith("GMO:") for r in rows), "euginius", "no 'GMO:' field")
    name = labelled(rows, "GMO:")
    if not name:
        return None, []
    uid = labelled(rows, "UID:")
    parsed = try_parse_uid(uid) if uid else None
    methods = []
    for table in page.find_all("table"):
        for tr in table.find_all("tr"):
            link = tr.find("a", href=re.compile("method_detailview"))
            cells = [text(c) for c in tr.find_all("td")]
            if link is None or len(cells) < 2:
                continue
            code = text(link)
            methods.append(
                {
                    "source": "EUginius",
                    "code": code,
                    "type": {"QL": "qualitative", "QT": "quantitative"}.get(code[:2]),
                    "scope": cells[1],
                    "target": cells[2] if len(cells) > 2 else "",
                    "validation": cells[4] if len(cells) > 4 else None,
                    "standardisation": cells[5] if len(cells) > 5 else None,
                    "url": urljoin(base_url, METHOD_PAGE + quote(code, safe="")),
                }
            )
    apps = list(dict.fromkeys(_APP.findall(html)))
    trade = labelled(rows, "Tradename:")
    rec = SourceRecord(
        source="euginius",
        record_id=name,
        url=url,
        name=name,
        uid=uid or None,
        uid_key=parsed.key if parsed else None,
        trade_names=[t.strip() for t in trade.split(",") if t.strip()],
        crop=labelled(rows, "Species:") or None,
        developer=labelled(rows, "Companies/Institutions:") or None,
        methods=methods,
    )
    return rec, apps


def parse_application(html: str) -> list[Approval]:
    page = soup(html)
    rows = lines(page.body or page)
    ref = labelled(rows, "Application reference number:")
    require(ref, "euginius", "no 'Application reference number:' on the application page")
    country = country_code(labelled(rows, "Country:") or "EU")
    m = _DATES.search(labelled(rows, "Decision date / Expiry date:"))
    decided, expires = (_iso(m.group(1)), _iso(m.group(2))) if m else (None, None)
    out = []
    for table in page.find_all("table"):
        body = table_rows(table)
        if not body or not body[0] or body[0][0] != "Use-Category":
            continue
        for row in body[1:]:
            if len(row) >= 4 and row[0].casefold() in _USE:
                detail = f"{ref}; {row[1]}" + (f"; expires {expires}" if expires else "")
                status = "approved" if row[3] == "approved" else row[3]
                out.append(Approval(country, _USE[row[0].casefold()], decided, detail, status))
    return out


class Euginius(Source):
    name = "euginius"
    title = "EUginius (European GMO database)"
    home = "https://www.euginius.eu/"
    addressing = "gmo_detail.jsf?gmoname=<event name> (spaces as +)"
    capabilities = frozenset({APPROVALS, NAMES, METHODS})

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, GMO_PAGE + quote_plus(record_id))

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        for name in target.event_names[:3]:
            url = self.record_url(base_url, name)
            html = await http.text(self.name, url, allow_404=True)
            rec, apps = parse_gmo(html, url, base_url) if html else (None, [])
            if rec is None:
                continue
            for app in apps[:MAX_APPLICATIONS]:
                app_url = urljoin(
                    base_url, f"euginius/pages/application_detail.jsf?application={app}"
                )
                page = await http.text(self.name, app_url, allow_404=True)
                if page:
                    rec.approvals += parse_application(page)
            return [rec]
        return []
