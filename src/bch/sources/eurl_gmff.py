"""EURL-GMFF GMOMETHODS (JRC): listing ``/gmomethods/?page=N`` (links
``/gmomethods/show/<METHOD-ID>/``; a next page exists when the page links ``page=N+1``) and
detail pages ``/gmomethods/show/<METHOD-ID>/`` (title, target such as ``MON810 insert (Maize)``,
method type, accession, validation report under ``/summaries/<file>.pdf``).

The detail page's labels were not captured verbatim (only what scrapers extract); the adapter
reads ``Label: value`` lines for Target / Method type / Accession and any ``summaries/*.pdf``
link as the validation report.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from bch.importer.detection import DetectionMethod, target_candidates
from bch.importer.events import norm_name
from bch.records.oecd_uid import try_parse_uid
from bch.sources.base import METHODS, Source, SourceRecord, Target
from bch.sources.html import labelled, lines, require, soup, text

_SHOW = re.compile(r"/gmomethods/show/([^/\"'?#]+)/")
MAX_PAGES = 30


def parse_listing(html: str) -> list[tuple[str, str]]:
    """(method id, row text) for each method link of one listing page."""
    page = soup(html)
    out = []
    for a in page.find_all("a", href=_SHOW):
        row = a.find_parent("tr") or a.parent
        out.append((_SHOW.search(a["href"]).group(1), text(row)))
    return out


def parse_method(html: str, url: str, method_id: str) -> dict:
    page = soup(html)
    rows = lines(page.body or page)
    title = text(page.find(["h1", "h2"]))
    require(method_id in title or method_id in html, "eurl_gmff", "method id not on its page")
    target = labelled(rows, "Target:") or labelled(rows, "Target")
    report = page.find("a", href=re.compile(r"summaries/.+\.pdf"))
    scope = labelled(rows, "Method type:") or labelled(rows, "Type:")
    return {
        "source": "EURL-GMFF",
        "code": method_id,
        "type": {"QL": "qualitative", "QT": "quantitative"}.get(method_id[:2]),
        "scope": scope or None,
        "target": target,
        "accession": labelled(rows, "Accession:") or None,
        "validation": "validated (EURL-GMFF report)" if report is not None else None,
        "validationReport": urljoin(url, report["href"]) if report is not None else None,
        "url": url,
    }


def _matches(target_text: str, target: Target) -> bool:
    dm = DetectionMethod("EURL-GMFF", "", None, "", target_text, "", None, {}, None, None, "")
    names = {norm_name(n) for n in target.event_names}
    for cand in target_candidates(dm):
        parsed = try_parse_uid(cand) if "-" in cand else None
        if parsed is not None and parsed.key == target.uid_key:
            return True
        if norm_name(cand) in names:
            return True
    return False


class EurlGmff(Source):
    name = "eurl_gmff"
    title = "EURL-GMFF GMOMETHODS (JRC)"
    home = "https://gmo-crl.jrc.ec.europa.eu/gmomethods/"
    addressing = "show/<method id>/ (e.g. QT-EVE-ZM-020)"
    capabilities = frozenset({METHODS})

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, f"show/{record_id}/")

    async def _listing(self, http, base_url: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for n in range(1, MAX_PAGES + 1):
            html = await http.text(self.name, urljoin(base_url, f"?page={n}")) or ""
            found = parse_listing(html)
            require(found or n > 1, self.name, "no method links on the first listing page")
            out += found
            if f"page={n + 1}" not in html:
                break
        return out

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        out = []
        for method_id, row in await self._listing(http, base_url):
            if not method_id.startswith(("QL-EVE", "QT-EVE")) or not _matches(
                row.replace(method_id, " "), target
            ):
                continue
            url = self.record_url(base_url, method_id)
            method = parse_method(await http.text(self.name, url) or "", url, method_id)
            out.append(
                SourceRecord(
                    source=self.name,
                    record_id=method_id,
                    url=url,
                    name=method["target"] or row,
                    uid=target.canonical_uid,
                    uid_key=target.uid_key,
                    methods=[method],
                )
            )
        return out

    async def crawl(self, http, base_url: str, progress=None) -> list[SourceRecord]:
        listing = await self._listing(http, base_url)
        out = []
        for method_id, row in listing:
            url = self.record_url(base_url, method_id)
            method = parse_method(await http.text(self.name, url) or "", url, method_id)
            out.append(
                SourceRecord(self.name, method_id, url, method["target"] or row, methods=[method])
            )
            if progress:
                progress(len(listing))
        return out
