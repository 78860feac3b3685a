"""The seed of real comment windows (issue 14): comment windows harvested from official venues
(WTO ePing notifications, the US Federal Register: data/raw/gmo_map_2026_10/consultations.json)
are imported as consultations whose `source` names the venue: comments go there, nothing is
invented."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from bch.records.countries import countries
from bch.services.participation import when
from bch.services.unit_of_work import UnitOfWork
from bch.storage.consultations import ConsultationRepository

SEED = Path("raw/gmo_map_2026_10/consultations.json")
ISO_NAMES = {"Korea, Republic of": "KR", "Viet Nam": "VN"}  # ISO 3166 short names vs CLDR


def window(item: dict[str, Any], by_name: dict[str, str], harvested: Any, now: datetime) -> dict:
    """The consultation row of one harvested comment window (its official page as source)."""
    return {
        "id": "ext-" + re.sub(r"[^A-Za-z0-9]+", "-", item["ref"]).strip("-")[:60],
        "country": by_name.get(item.get("country", "")),
        "country_name": item.get("country"),
        "title": {"en": item["title"]},
        "summary": {},
        "languages": ["en"],
        "lmo": None,
        "intended_use": None,
        "documents": [{"name": item["ref"], "url": item["url"]}],
        "opens_at": None,  # not in the source
        "closes_at": when(item["closes"], "closes", end_of_day=True),
        "moderation": "after",
        "source": {
            "name": item.get("agency"),
            "url": item["url"],
            "ref": item["ref"],
            "closes": item["closes"],
            "harvested": harvested,
            "file": str(SEED),
        },
        "created_by": None,
        "created_at": now,
    }


def import_windows(
    repo: ConsultationRepository, uow: UnitOfWork, path: Path | None, now: datetime
) -> int:
    """Import the harvested comment windows of `path` (each pointing to its official page);
    those already imported are kept. Returns how many were added."""
    if path is None or not path.is_file():
        return 0
    data = json.loads(path.read_text(encoding="utf-8"))
    by_name = {c.name["en"]: c.code for c in countries()} | ISO_NAMES
    added = 0
    with uow(changes=False) as tx:
        known = repo.ids_with_source(tx.conn)
        for item in data.get("consultations", []):
            values = window(item, by_name, data.get("generated"), now)
            if values["id"] in known:
                continue
            # rows another server seeds at the same moment are left alone (not counted)
            added += repo.add_if_absent(tx.conn, values)
            known.add(values["id"])
    return added
