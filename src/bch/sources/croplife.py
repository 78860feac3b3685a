"""CropLife International Detection Methods Database (``detection-methods.com``).

Validated PCR methods for products of BASF, Bayer, Corteva and Syngenta. Per-event page URLs
were not observed; every page carries a cookie notice (``We use cookies to ensure…``).
Assumption (not observed): a site search ``/?s=<event name>`` lists result links whose text
names the event. The BCH itself links these methods with tag ``CropLife``.
"""

from __future__ import annotations

from urllib.parse import quote_plus, urljoin

from bch.importer.events import norm_name
from bch.sources.base import METHODS, Source, SourceRecord, Target
from bch.sources.html import require, soup, text


class CropLife(Source):
    name = "croplife"
    title = "CropLife International Detection Methods Database"
    home = "https://detection-methods.com/"
    addressing = "not observed (site search by event name)"
    capabilities = frozenset({METHODS})

    def record_url(self, base_url: str, record_id: str) -> str:
        return urljoin(base_url, "?s=" + quote_plus(record_id))

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        out = []
        for name in target.event_names[:2]:
            url = self.record_url(base_url, name)
            page = soup(await http.text(self.name, url) or "")
            require(
                "cookies" in text(page).casefold(), self.name, "not a detection-methods.com page"
            )
            want = norm_name(name)
            for a in page.find_all("a", href=True):
                label = text(a)
                if want and want in norm_name(label) and "detection-methods" in a["href"] + url:
                    out.append(
                        SourceRecord(
                            self.name,
                            a["href"],
                            urljoin(base_url, a["href"]),
                            label,
                            uid=target.canonical_uid,
                            uid_key=target.uid_key,
                            methods=[
                                {
                                    "source": "CropLife",
                                    "code": label,
                                    "type": None,
                                    "scope": "event-specific",
                                    "target": name,
                                    "validation": "validated by the developer",
                                    "url": urljoin(base_url, a["href"]),
                                }
                            ],
                        )
                    )
            if out:
                break
        return out
