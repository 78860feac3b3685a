"""The BCH LMO registry as of 2026 (``bch_lmo_registry_2026.csv``) as a source of the importer.

The registry is the most authoritative source for an LMO's title and traits. ``merge_registry``
marks the rows of ``lmo_events.csv`` it lists (same UID, any spelling) with its values
(``bch_*`` columns) and adds the LMOs it lists that the file lacks, with what it gives: the UID
(or, without one, the BCH record identifier), the title and the traits; nothing else.
"""

from __future__ import annotations

import re
from collections import Counter

from bch.importer.events import lmo_rows
from bch.records.oecd_uid import try_parse_uid

# The BCH record URL of an identifier bch-lmo-scbd-N-V: documentid = 52000000cbd08 + N in 11 hex
# digits (checked on all 200 records of open_registers.json, data/raw/SOURCES.md).
_BCH_IDENTIFIER = re.compile(r"^bch-lmo-scbd-(\d+)-(\d+)$")
BCH_RECORD_URL = "https://bch.cbd.int/database/record?documentid=52000000cbd08{:011x}"


def bch_record_url(row: dict[str, str]) -> str | None:
    url = (row.get("bch_record_url") or "").strip()
    if url:
        return url
    m = _BCH_IDENTIFIER.match((row.get("bch_identifier") or "").strip())
    return BCH_RECORD_URL.format(int(m.group(1))) if m else None


def title_description(title: str, uid: str) -> str:
    """``MON-ØØ81Ø-6 - YieldGard™ maize`` -> ``YieldGard™ maize`` (the BCH title names the UID
    first when the record has one)."""
    title = " ".join((title or "").split())
    if uid and " - " in title:
        head, _, rest = title.partition(" - ")
        if try_parse_uid(head) is not None or head.replace(" ", "") == uid.replace(" ", ""):
            return rest.strip()
    return title


def merge_registry(rows: list[dict[str, str]], registry: list[dict[str, str]]) -> Counter:
    """Mark `rows` listed by the registry and append the LMOs it adds (in place); counts."""
    counts: Counter = Counter()
    by_key = {m.key: m.row for m in lmo_rows(rows)}
    columns = list(rows[0]) if rows else []
    for reg in registry:
        uid = (reg.get("uid") or "").strip()
        parsed = try_parse_uid(uid) if uid else None
        values = {
            "bch_key": reg.get("bch_key", ""),
            "bch_id": reg.get("bch_id", ""),
            "bch_identifier": reg.get("bch_identifier", ""),
            "bch_record_url": reg.get("bch_record_url", ""),
            "bch_title": title_description(reg.get("title", ""), uid),
            "bch_traits": reg.get("traits", ""),
        }
        counts["bch_registry_records"] += 1
        target = by_key.get(parsed.key) if parsed is not None else None
        if target is not None and not target.get("bch_key"):
            target.update(values)
            target["sources"] = "; ".join([*_split(target.get("sources", "")), "bch2026"])
            counts["bch_registry_matched"] += 1
            continue
        if target is not None:  # the registry lists the same UID twice
            counts["bch_registry_duplicate_uid"] += 1
            continue
        row = {
            **dict.fromkeys(columns, ""),
            # a UID that does not parse is kept as written: the stack rules may repair it
            "unique_identifier": parsed.canonical if parsed is not None else uid,
            "event_name": "",
            "sources": "bch2026",
            "uid_check": _check(parsed),
            **values,
        }
        if uid and parsed is not None and uid != parsed.canonical:
            row["uid_as_published"] = uid
        rows.append(row)
        if parsed is not None:
            by_key[parsed.key] = row
        counts["bch_registry_added"] += 1
        counts["bch_registry_added_without_uid"] += parsed is None
    return counts


def _split(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(";") if p.strip()]


def _check(parsed) -> str:
    if parsed is None:
        return ""
    return "ok" if all(p.check_ok for p in parsed.parts) else "bad_check_digit"
