"""OECD BioTrack Product Database (ASP.NET WebForms): ``Product.aspx?id=<UID>``.

Product pages hold ``ctl00_ContentMain_lbl*`` labels (ProductId, TransEvent, TradeName,
CommonName, Traits, Genes) and, per country, a table ``Date of approval | Type of use |
Authority | Decision | Risk assessment | Methods for detections-Reference materials``.
The print listing ``byTrait.aspx?style=print`` links every product (raw Ø in hrefs).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, unquote_plus, urljoin

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
from bch.sources.html import reference_materials, require, soup, table_rows, text

_P = "ctl00_ContentMain_"


def _date(value: str) -> str | None:
    try:
        return datetime.strptime(value.strip(), "%B %d, %Y").date().isoformat()
    except ValueError:
        return None


def _country_before(table) -> str | None:
    """The nearest preceding country heading (some are missing: then the previous one holds)."""
    for s in table.find_all_previous(string=True):
        code = country_code(s)
        if s.strip() and len(code) == 2 and code.isupper():
            return code
    return None


def parse_product(html: str, url: str) -> SourceRecord | None:
    page = soup(html)
    pid = page.find(id=f"{_P}lblProductId")
    require(pid is not None, "biotrack", f"no {_P}lblProductId element")
    uid = text(pid)
    event = text(page.find(id=f"{_P}lblTransEvent"))
    if not uid and not event:
        return None  # the empty page BioTrack shows for an unknown id
    parsed = try_parse_uid(uid) if uid else None
    approvals: list[Approval] = []
    materials: list[str] = []
    last_country = None
    for table in page.find_all("table"):
        rows = table_rows(table)
        if not rows or not rows[0] or not rows[0][0].startswith("Date of approval"):
            continue
        last_country = _country_before(table) or last_country
        for row in rows[1:]:
            if len(row) < 2 or not row[0]:
                continue
            authority = row[2] if len(row) > 2 else ""
            decision = row[3] if len(row) > 3 else ""
            if len(row) > 5:
                materials += reference_materials(row[5])
            for use in uses_of(row[1]):
                approvals.append(
                    Approval(
                        country=last_country or "",
                        use=use,
                        date=_date(row[0]),
                        detail="; ".join(filter(None, [row[1], authority, decision])),
                    )
                )
    return SourceRecord(
        source="biotrack",
        record_id=uid or event,
        url=url,
        name=event or uid,
        uid=uid or None,
        uid_key=parsed.key if parsed else None,
        trade_names=[t for t in [text(page.find(id=f"{_P}lblTradeName"))] if t],
        crop=text(page.find(id=f"{_P}lblCommonName")).strip(", ") or None,
        approvals=approvals,
        reference_materials=list(dict.fromkeys(materials)),
    )


class BioTrack(Source):
    name = "biotrack"
    title = "OECD BioTrack Product Database"
    home = "https://biotrackproductdatabase.oecd.org/"
    addressing = "Product.aspx?id=<OECD UID> (Ø percent-encoded)"
    capabilities = frozenset({APPROVALS, NAMES, REFERENCE_MATERIALS})

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, "Product.aspx?id=" + quote(record_id.replace(" ", "+"), safe="+"))

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        uid = target.source_ids.get(self.name) or target.canonical_uid.replace(" × ", " x ")
        url = self.record_url(base_url, uid) + "&style=print"
        html = await http.text(self.name, url, allow_404=True)
        rec = parse_product(html, self.record_url(base_url, uid)) if html else None
        return [rec] if rec else []

    async def crawl(self, http, base_url: str, progress=None) -> list[SourceRecord]:
        listing = await http.text(self.name, urljoin(base_url, "byTrait.aspx?style=print"))
        page = soup(listing or "")
        ids = []
        for a in page.select("a[href]"):
            href = a["href"]
            if "Product.aspx?id=" in href:
                ids.append(unquote_plus(href.split("id=", 1)[1].split("&")[0]))
        require(ids, self.name, "no Product.aspx links in the listing")
        out = []
        for uid in dict.fromkeys(ids):
            html = await http.text(self.name, self.record_url(base_url, uid) + "&style=print")
            rec = parse_product(html or "", self.record_url(base_url, uid))
            if rec:
                out.append(rec)
            if progress:
                progress(len(ids))
        return out
