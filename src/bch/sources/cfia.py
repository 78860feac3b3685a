"""CFIA Plants with Novel Traits register (Canada): offline only.

The shipped snapshot is a harvest of the CFIA open-data CSV (open.canada.ca, Open Government
Licence - Canada); the live CSV's layout is not described here, so there is no live adapter.
"""

from __future__ import annotations

from bch.sources.base import APPROVALS, NAMES, Source, SourceError, SourceRecord, Target


class Cfia(Source):
    name = "cfia"
    title = "CFIA Plants with Novel Traits (Canada)"
    home = (
        "https://inspection.canada.ca/en/plant-varieties/plants-novel-traits/approved-under-review"
    )
    addressing = "one register row per product (no per-record URL)"
    capabilities = frozenset({APPROVALS, NAMES})

    def record_url(self, base_url: str, record_id: str) -> str:
        return base_url

    async def fetch(self, http, base_url: str, target: Target) -> list[SourceRecord]:
        raise SourceError(self.name, "no live adapter (offline snapshot only)")
