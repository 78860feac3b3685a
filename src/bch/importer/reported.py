"""Approvals reported by ISAAA per country (``country_event_approvals.csv``, 2026-10-04).

They are what ISAAA's "approved events in <country>" pages list: no dates, no uses, and never a
decision record of that country (those come from the country's regulator, e.g. the CFIA). The
raw lists (``raw/gmo_map_2026_10/isaaa_approvals.json``) also hold harvester artefacts: the
web-analytics id ``UA-1179856-2`` in every list and truncated UIDs (``MON-8891-3``); the kept
table drops them, and the plan counts how many were dropped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bch.importer import sources
from bch.records.oecd_uid import try_parse_uid

SOURCE = "isaaa2026"
RETRIEVED = "2026-10-04"


@dataclass
class Reported:
    rows: list[dict[str, str]] = field(default_factory=list)
    report: Counter = field(default_factory=Counter)


def build_reported(data_dir: Path | None) -> Reported:
    base = data_dir or sources.default_data_dir()
    out = Reported()
    if not (base / "country_event_approvals.csv").is_file():
        return out
    kept: dict[tuple[str, str], dict[str, str]] = {}
    names: set[tuple[str, str]] = set()
    for row in sources.country_event_approvals(data_dir):
        parsed = try_parse_uid(row["event_uid"])
        if parsed is None or parsed.is_stack:
            out.report["isaaa_reported_unparsable"] += 1
            continue
        kept[(row["iso2"], parsed.key)] = {
            "country": row["iso2"],
            "uid_key": parsed.key,
            "uid": row["event_uid"],
            "retrieved": RETRIEVED,
        }
        names.add((row["country_name"], parsed.key))
    out.rows = [kept[k] for k in sorted(kept)]
    out.report["isaaa_reported_pairs"] = len(out.rows)
    out.report["isaaa_reported_countries"] = len({r["country"] for r in out.rows})
    if (base / sources.RAW_GMO_MAP_2026 / "isaaa_approvals.json").is_file():
        seen: set[tuple[str, str]] = set()
        for country in sources.isaaa_approval_lists(data_dir):
            for event in country.get("events", []):
                out.report["isaaa_raw_entries"] += 1
                parsed = try_parse_uid(event.get("id", ""))
                pair = (country["country"], parsed.key if parsed is not None else "")
                if event.get("id") == "UA-1179856-2":
                    out.report["isaaa_raw_dropped_analytics_id"] += 1
                elif pair not in names:
                    out.report["isaaa_raw_dropped_truncated_or_malformed_uid"] += 1
                elif pair in seen:
                    out.report["isaaa_raw_dropped_repeated"] += 1
                seen.add(pair)
    return out
