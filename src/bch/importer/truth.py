"""Corrections of ``lmo_events.csv`` rows, each a rule derived from the sources (issue 16).

``correct_rows`` returns the rows the importer builds LMO records from. Every rule is general
(no row is named here) and each change is counted and explained in the import notes:

* **stack UIDs**: a stack whose UID is missing or not well formed, while every component (read
  from the UID or, failing that, from the event name) is an LMO of the file with a UID, gets the
  UID joined from its components' UIDs (``MON531 x MON1445`` -> ``MON-ØØ531-6 × MON-Ø1445-2``);
* **verification digits**: a stack component whose UID differs from a registered single LMO's UID
  only in its verification digit takes the registered UID (``SYN-IR6Ø4-4`` -> ``SYN-IR6Ø4-5``);
* **one record per event**: rows that end up with the same UID are merged; a row without UID
  whose name lists several events that each have their own row (CFIA "(B. rapa) ZSR500, ZSR502,
  ZSR503") is merged into those rows; two rows without UID for the same crop and trade names whose
  event names differ only by a prefix (ISAAA 2019 "Bt Brinjal Event EE1", ISAAA 2023 "Event
  EE1") are one event;
* **transformation event**: a UID is not an event name. When the file gives no event name, a
  stack's event is the event names of its components (when all are known), else none.

Rows merged away are returned as ``retired`` natural keys: the import deletes (tombstones) the
records a previous version made from them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bch.importer.bch_registry import merge_registry
from bch.importer.events import (
    EventIndex,
    is_written_uid,
    lmo_rows,
    norm_name,
    reliable_uid,
    split_stack,
)

_LIST_SPLIT = re.compile(r"\s*,\s*")
_PARENS = re.compile(r"\([^()]*\)")
_MULTI = ("traits", "sources", "isaaa_event_id", "trade_names")


@dataclass
class Corrected:
    rows: list[dict[str, str]]
    retired: dict[str, str] = field(default_factory=dict)  # old natural key -> reason
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


def _split(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split(";") if p.strip()]


def _merge_into(target: dict[str, str], other: dict[str, str]) -> None:
    for col, value in other.items():
        if col in _MULTI:
            merged = list(dict.fromkeys([*_split(target.get(col, "")), *_split(value)]))
            target[col] = "; ".join(merged)
        elif not (target.get(col) or "").strip() and (value or "").strip():
            target[col] = value
    names = [*_split(target.get("merged_names", "")), other.get("event_name", "").strip()]
    target["merged_names"] = "; ".join(n for n in dict.fromkeys(names) if n)


def _uid_of_key(index_rows: dict[str, dict[str, str]], key: str) -> str | None:
    row = index_rows.get(key)
    if row is None:
        return None
    parsed = reliable_uid(row.get("unique_identifier", ""))
    return parsed.canonical if parsed is not None and not parsed.is_stack else None


def correct_rows(
    rows: list[dict[str, str]], registry: list[dict[str, str]] | None = None
) -> Corrected:
    """The corrected rows; with the BCH registry rows, marked and completed by it."""
    out = Corrected([dict(r) for r in rows])
    original_keys = {m.key for m in lmo_rows(rows)}
    singles = {m.key: m.row for m in lmo_rows(out.rows) if m.parsed and not m.is_stack}
    index = EventIndex(lmo_rows(out.rows))
    if registry:  # its LMOs take part in the corrections (a stack it lists with a lost UID)
        out.counts.update(merge_registry(out.rows, registry))
    _fix_stack_uids(out, index, singles)
    _merge_same_uid(out)
    _merge_listed_events(out)
    _merge_prefixed_names(out)
    singles = {m.key: m.row for m in lmo_rows(out.rows) if m.parsed and not m.is_stack}
    _event_names(out, index, singles)
    new_keys = {m.key for m in lmo_rows(out.rows)}
    for key in sorted(original_keys - new_keys):
        out.retired[key] = "merged into another record of the same event (issue 16)"
    return out


_UNPADDED = re.compile(r"^([A-Z]{2,3})-([0-9Ø]{1,4})-(\d)$")


def _component_key(comp: str, index: EventIndex, singles: dict[str, dict[str, str]]) -> str | None:
    parsed = reliable_uid(comp)
    if parsed is not None:
        if parsed.key in singles:
            return parsed.key
        return index.resolve_digit(parsed.key)
    found = index.lookup(comp)
    if found in singles:
        return found
    # a numeric event part that lost its zero padding: MON-Ø531-6 is MON-ØØ531-6
    m = _UNPADDED.match(comp.strip())
    if m:
        applicant, digits, check = m.groups()
        padded = f"{applicant}-{int(digits.replace('Ø', '0')):05d}-{check}"
        candidate = reliable_uid(padded)
        if candidate is not None and candidate.key in singles:
            return candidate.key
    return None


def _fix_stack_uids(out: Corrected, index: EventIndex, singles: dict[str, dict[str, str]]) -> None:
    for row in out.rows:
        uid_text = (row.get("unique_identifier") or "").strip()
        name = (row.get("event_name") or "").strip()
        parsed = reliable_uid(uid_text)
        if parsed is not None and not parsed.is_stack:
            continue
        if parsed is not None:
            comps = [p.ascii for p in parsed.parts]
        else:
            comps = split_stack(uid_text) if uid_text else split_stack(name)
        if len(comps) < 2:
            continue
        names = split_stack(name)  # a malformed UID component: its event name may resolve
        names = names if len(names) == len(comps) else [""] * len(comps)
        keys = [
            _component_key(c, index, singles) or (n and _component_key(n, index, singles))
            for c, n in zip(comps, names, strict=True)
        ]
        if not all(keys):
            continue
        uids = [_uid_of_key(singles, k) for k in keys if k]
        if not all(uids) or len(set(uids)) != len(uids):
            continue
        rebuilt = " x ".join(u for u in uids if u)
        new = reliable_uid(rebuilt)
        if new is None or (parsed is not None and new.canonical == parsed.canonical):
            continue
        row["unique_identifier"] = rebuilt
        row["uid_check"] = "ok" if all(p.check_ok for p in new.parts) else "bad_check_digit"
        row["uid_as_published"] = uid_text
        if parsed is None:
            out.counts["stack_uid_rebuilt_from_components"] += 1
            out.notes.append(
                f"stack UID rebuilt from its components: {name or uid_text} -> {rebuilt}"
            )
        else:
            out.counts["stack_component_check_digit_corrected"] += 1
            out.notes.append(
                f"stack component UID corrected to the registered one: {uid_text} -> {rebuilt}"
            )


def _merge_same_uid(out: Corrected) -> None:
    by_key: dict[str, dict[str, str]] = {}
    kept = []
    for lmo in lmo_rows(out.rows):
        if lmo.parsed is None:
            kept.append(lmo.row)
            continue
        first = by_key.get(lmo.key)
        if first is None:
            by_key[lmo.key] = lmo.row
            kept.append(lmo.row)
        else:
            _merge_into(first, lmo.row)
            out.counts["rows_merged_same_uid"] += 1
            out.notes.append(
                f"one record per event: '{lmo.event_name}' merged (same UID {lmo.uid_text})"
            )
    out.rows = kept


def _merge_listed_events(out: Corrected) -> None:
    """A row without UID naming several events that each have a row of their own."""
    names: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in out.rows:
        names[norm_name(row.get("event_name", ""))].append(row)
    kept = []
    for row in out.rows:
        name = (row.get("event_name") or "").strip()
        parts = _LIST_SPLIT.split(_PARENS.sub(" ", name).strip()) if "," in name else []
        targets = [names.get(norm_name(p), []) for p in parts]
        if (
            not (row.get("unique_identifier") or "").strip()
            and len(parts) > 1
            and all(len(t) == 1 and t[0] is not row for t in targets)
        ):
            for (target,) in targets:
                carried = {k: v for k, v in row.items() if k not in ("event_name", "trade_names")}
                carried["event_name"] = name
                _merge_into(target, carried)
            out.counts["rows_merged_listing_several_events"] += 1
            out.notes.append(f"one record per event: '{name}' merged into {', '.join(parts)}")
            continue
        kept.append(row)
    out.rows = kept


def _merge_prefixed_names(out: Corrected) -> None:
    """Two rows without UID, same crop and trade names, one event name ending with the other."""
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in out.rows:
        if (row.get("unique_identifier") or "").strip() or not (
            row.get("trade_names") or ""
        ).strip():
            continue
        groups[(row.get("crop_scientific_name", ""), row["trade_names"].strip())].append(row)
    dropped: set[int] = set()
    for rows in groups.values():
        for a in rows:
            for b in rows:
                if a is b or id(a) in dropped or id(b) in dropped:
                    continue
                na, nb = norm_name(a.get("event_name", "")), norm_name(b.get("event_name", ""))
                if len(nb) >= 3 and na != nb and na.endswith(nb):
                    keep, drop = (
                        (a, b) if len(_split(a["sources"])) >= len(_split(b["sources"])) else (b, a)
                    )
                    _merge_into(keep, drop)
                    dropped.add(id(drop))
                    out.counts["rows_merged_same_event_name"] += 1
                    out.notes.append(
                        f"one record per event: '{drop['event_name']}' merged into '{keep['event_name']}'"
                    )
    out.rows = [r for r in out.rows if id(r) not in dropped]


def _event_names(out: Corrected, index: EventIndex, singles: dict[str, dict[str, str]]) -> None:
    for lmo in lmo_rows(out.rows):
        row = lmo.row
        name = (row.get("event_name") or "").strip()
        if name and not is_written_uid(name):
            continue
        if name and not lmo.has_uid:  # the file's only UID is in the name: keep the row's key
            continue
        if name:  # a UID written where the event name goes
            row["event_name"] = ""
        derived = ""
        if lmo.parsed is not None and lmo.is_stack:
            comp_names = [
                (singles.get(p.ascii) or {}).get("event_name", "").strip() for p in lmo.parsed.parts
            ]
            if all(comp_names) and not any(is_written_uid(n) for n in comp_names):
                derived = " x ".join(comp_names)
        row["event_name"] = derived
        row["event_name_derived"] = "components" if derived else ""
        out.counts["event_name_was_uid_or_missing"] += 1
        out.counts["event_name_derived_from_components"] += bool(derived)
