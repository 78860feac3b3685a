"""EU register of GM food and feed: ``/dyna2/gm-register/details/<int>`` (11 = MON810; the id
was kept from the older ``gm_register_auth.cfm?pr_id=11``).

The page heading is the UID (``MON-ØØ81Ø-6``), then label/value rows: ``Event``,
``Authorisation holder Name``, ``Products`` (numbered ``(1) Foods and food ingredients …``,
``(4) … seeds for cultivation``), ``Method for detection`` (ends with a GMOMETHODS URL),
``Reference material`` (``ERM-BF413k …``). Decision dates were not captured, so approvals carry
no date. Assumption (not observed): the register's list page links ``details/<int>`` with the
UID as link text; ids known from real pages are used first.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from bch.records.oecd_uid import try_parse_uid
from bch.sources.base import (
    APPROVALS,
    METHODS,
    REFERENCE_MATERIALS,
    Approval,
    Source,
    SourceRecord,
    Target,
)
from bch.sources.html import ids_by_uid, labelled, lines, reference_materials, require, soup, text

KNOWN_IDS = {"MON-00810-6": "11"}  # from the real register page details/11
_DETAILS = re.compile(r"details/(\d+)")
_PRODUCT = re.compile(r"\(\d+\)\s*([^;(]+)")
_LABELS = {"Designation", "Labelling", "Method for detection", "Reference material", "Event"}
_GMOMETHODS = re.compile(r"https?://gmo-crl\.jrc\.ec\.europa\.eu/\S+")


def _uses(product: str) -> list[str]:
    low = product.casefold()
    if "cultivation" in low:
        return ["cultivation"]
    uses = [u for u in ("food", "feed") if u in low]
    return uses or ["other"]


def parse_details(html: str, url: str, record_id: str) -> SourceRecord:
    page = soup(html)
    rows = lines(page.body or page)
    require(
        any("EU register of genetically modified food and feed" in r for r in rows),
        "eu_register",
        "not an EU register details page",
    )
    heading = text(page.find("h1"))
    parsed = try_parse_uid(heading)
    products = []
    if "Products" in rows:
        for line in rows[rows.index("Products") + 1 :]:
            if line in _LABELS:
                break
            products.append(line)
    approvals = []
    for prod in _PRODUCT.findall(" ".join(products)):
        for use in _uses(prod):
            approvals.append(Approval("EU", use, None, prod.strip()))
    method_text = labelled(rows, "Method for detection")
    methods = [
        {
            "source": "EU register",
            "code": m,
            "type": None,
            "scope": "event-specific",
            "target": labelled(rows, "Event"),
            "validation": "EURL-GMFF validated",
            "url": m,
        }
        for m in _GMOMETHODS.findall(method_text)
    ]
    return SourceRecord(
        source="eu_register",
        record_id=record_id,
        url=url,
        name=labelled(rows, "Event") or heading,
        uid=heading or None,
        uid_key=parsed.key if parsed else None,
        developer=labelled(rows, "Authorisation holder Name") or None,
        approvals=approvals,
        methods=methods,
        reference_materials=reference_materials(labelled(rows, "Reference material")),
    )


class EuRegister(Source):
    name = "eu_register"
    title = "EU register of GM food and feed"
    home = "https://webgate.ec.europa.eu/dyna2/gm-register/"
    addressing = "details/<register integer id>"
    capabilities = frozenset({APPROVALS, METHODS, REFERENCE_MATERIALS})

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, f"details/{record_id}")

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        ids = [KNOWN_IDS[target.uid_key]] if target.uid_key in KNOWN_IDS else []
        if not ids:
            listing = soup(await http.text(self.name, base_url) or "")
            ids = ids_by_uid(listing.find_all("a", href=_DETAILS), _DETAILS, target.uid_key)
        out = []
        for rid in dict.fromkeys(ids):
            url = self.record_url(base_url, rid)
            html = await http.text(self.name, url, allow_404=True)
            if html:
                out.append(parse_details(html, url, rid))
        return out
