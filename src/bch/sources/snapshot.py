"""Offline snapshots of the external databases, built from the real shipped data (``data/``).

ISAAA (2023 event pages + 2019 trait pages), OECD BioTrack (2019, partial: 89 products),
EUginius (2026 methods, grouped per GMO), EURL-GMFF GMOMETHODS (85 amplicons) and CFIA (PNT
register). Sources with no shipped data have no snapshot and answer "not available offline".
Records are keyed by OECD UID key; name-only records (EUginius, EURL-GMFF targets) are linked
to UIDs by the importer's event-name rules (ambiguous names stay unlinked).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import quote, quote_plus

from bch.importer import sources as raw
from bch.importer.detection import DetectionMethod, build_detection
from bch.importer.events import EventIndex, lmo_rows, reliable_uid
from bch.sources.base import Approval, SourceRecord, Target

ISAAA_2023 = Path("raw/isaaa_eventlist_2023_gmo_pwa/scrap.json")
SNAPSHOT_DATES = {  # when the shipped scrapes were taken (data/raw/SOURCES.md)
    "isaaa": "2023-09-30",
    "biotrack": "2019-03-07",
    "euginius": "2026-04-18",
    "eurl_gmff": "2026-04-18",
    "cfia": "2026-08-08",
}
_EVENT_ID = re.compile(r"EventID=(\d+)")
_NA = {"", "not available", "n/a", "na", "none"}


def _split_names(text: str) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip().casefold() not in _NA]


@dataclass
class Snapshot:
    """Records of one source, indexed by UID key and by stack component."""

    source: str
    taken: str
    records: list[SourceRecord]
    _by_key: dict[str, list[SourceRecord]] = field(default_factory=dict)
    _stacks_with: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_key: dict[str, list[SourceRecord]] = defaultdict(list)
        with_comp: dict[str, set[str]] = defaultdict(set)
        for rec in self.records:
            if rec.uid_key:
                by_key[rec.uid_key].append(rec)
                parts = rec.uid_key.split("+")
                if len(parts) > 1:
                    for p in parts:
                        with_comp[p].add(rec.uid_key)
        self._by_key, self._stacks_with = dict(by_key), dict(with_comp)

    def lookup(self, target: Target) -> list[SourceRecord]:
        """Exact records, then each stack component's records, then stacks containing it."""
        out: list[SourceRecord] = []
        seen: set[int] = set()

        def add(recs: list[SourceRecord], relation: str) -> None:
            for r in recs:
                if id(r) not in seen:
                    seen.add(id(r))
                    out.append(_with_relation(r, relation))

        add(self._by_key.get(target.uid_key, []), "exact")
        if target.is_stack:
            for comp in target.component_keys:
                add(self._by_key.get(comp, []), "component")
        else:
            for key in sorted(self._stacks_with.get(target.uid_key, ())):
                add(self._by_key.get(key, []), "stack")
        return out


def _with_relation(rec: SourceRecord, relation: str) -> SourceRecord:
    if rec.relation == relation:
        return rec
    return SourceRecord.from_json({**rec.to_json(), "relation": relation})


def _key(uid_text: str) -> tuple[str | None, str | None]:
    parsed = reliable_uid(uid_text) if uid_text and uid_text.casefold() not in _NA else None
    return (parsed.key, parsed.canonical) if parsed else (None, None)


# -- per source -------------------------------------------------------------------------------


def isaaa_records(data_dir: Path) -> list[SourceRecord]:
    rows = raw.read_json(data_dir / ISAAA_2023)
    out = []
    for row in rows:
        name = row.get("eventName", "").split(":", 1)[-1].strip()
        code_line, _, trade_line = row.get("eventCode", "").partition("\n")
        uid = code_line.split(":", 1)[-1].strip()
        key, _ = _key(uid)
        m = _EVENT_ID.search(row.get("url", ""))
        event_id = m.group(1) if m else name
        crop = row.get("eventCrop", "").split(":", 1)[-1].strip()
        out.append(
            SourceRecord(
                source="isaaa",
                record_id=event_id,
                url=row.get("url") or None,
                name=name,
                uid=None if uid.casefold() in _NA else uid,
                uid_key=key,
                trade_names=_split_names(trade_line.split(":", 1)[-1]),
                crop=crop or None,
            )
        )
    return _with_reported_approvals(out, data_dir)


ISAAA_APPROVALS_NOTE = (
    "listed by ISAAA among the approved events in this country (2026-10-04); ISAAA gives no "
    "date and no use; not a decision published by the country in the clearing-house"
)


def _with_reported_approvals(records: list[SourceRecord], data_dir: Path) -> list[SourceRecord]:
    """The per-country approvals ISAAA reports (``country_event_approvals.csv``) on the records
    of their UIDs; a UID with no 2023 event page gets a record of its own (no URL)."""
    if not (data_dir / "country_event_approvals.csv").is_file():
        return records
    by_key: dict[str, list[SourceRecord]] = defaultdict(list)
    for rec in records:
        if rec.uid_key:
            by_key[rec.uid_key].append(rec)
    for row in raw.country_event_approvals(data_dir):
        key, _ = _key(row["event_uid"])
        if key is None:
            continue
        if key not in by_key:
            rec = SourceRecord(
                "isaaa", row["event_uid"], None, row["event_uid"], row["event_uid"], key
            )
            records.append(rec)
            by_key[key].append(rec)
        approval = Approval(row["iso2"], "other", None, ISAAA_APPROVALS_NOTE, "reported")
        for rec in by_key[key]:
            if approval not in rec.approvals:
                rec.approvals.append(approval)
    return records


def biotrack_records(data_dir: Path) -> list[SourceRecord]:
    by_uid: dict[str, SourceRecord] = {}
    traits: dict[str, list[str]] = defaultdict(list)
    for row in raw.biotrack_gene_rows(data_dir):
        if not row.code:
            continue
        key, _ = _key(row.code)
        rec = by_uid.get(row.code)
        if rec is None:
            rec = by_uid[row.code] = SourceRecord(
                source="biotrack",
                record_id=row.code,
                url="https://biotrackproductdatabase.oecd.org/Product.aspx?id="
                + quote_plus(row.code),
                name=row.name or row.code,
                uid=row.code,
                uid_key=key,
                trade_names=_split_names(row.trade_name),
                crop=row.crop_name.strip(",") or None,
            )
        if row.trait and row.trait not in traits[row.code]:
            traits[row.code].append(row.trait)
    return list(by_uid.values())


def _method_json(m: DetectionMethod) -> dict:
    return {
        "source": m.source,
        "code": m.code,
        "type": m.method_type,
        "scope": m.scope,
        "target": m.target,
        "validation": m.validation,
        "url": m.url,
    }


def method_records(data_dir: Path) -> tuple[list[SourceRecord], list[SourceRecord]]:
    """EUginius GMOs (methods grouped by target GMO) and EURL-GMFF methods, linked by key."""
    lmos = lmo_rows(raw.lmo_events(data_dir))
    index = EventIndex(lmos)
    crops = {lmo.key: lmo.row.get("crop_scientific_name", "") for lmo in lmos}
    catalog = build_detection(
        raw.euginius_methods(data_dir), raw.crl_amplicons(data_dir), index, crops
    )
    canon = {lmo.key: lmo.parsed.canonical for lmo in lmos if lmo.parsed}
    gmos: dict[tuple[str, str], SourceRecord] = {}
    eurl: list[SourceRecord] = []
    for m in catalog.methods:
        if m.scope != "event-specific":
            continue
        keys = m.lmo_keys or [None]
        for key in keys:
            if m.source == "EUginius":
                rec = gmos.get((m.target, key or ""))
                if rec is None:
                    rec = gmos[(m.target, key or "")] = SourceRecord(
                        source="euginius",
                        record_id=m.target,
                        url="https://www.euginius.eu/euginius/pages/gmo_detail.jsf?gmoname="
                        + quote_plus(m.target),
                        name=m.target,
                        uid=canon.get(key or ""),
                        uid_key=key,
                    )
                rec.methods.append(_method_json(m))
            else:
                eurl.append(
                    SourceRecord(
                        source="eurl_gmff",
                        record_id=m.code,
                        url=f"https://gmo-crl.jrc.ec.europa.eu/gmomethods/show/{quote(m.code)}/",
                        name=m.target,
                        uid=canon.get(key or ""),
                        uid_key=key,
                        methods=[_method_json(m)],
                    )
                )
    return list(gmos.values()), eurl


def cfia_records(data_dir: Path) -> list[SourceRecord]:
    approvals: dict[str, list[Approval]] = defaultdict(list)
    for row in raw.country_approvals(data_dir):
        key, _ = _key(row.get("event_uid") or row.get("unique_identifier", ""))
        if key is None or row.get("source") != "cfia":
            continue
        approvals[key].append(
            Approval(
                country=row["country"],
                use=row["approval_type"],
                date=row.get("date") or row.get("year") or None,
                detail=" ".join(filter(None, [row.get("reference", ""), row.get("detail", "")])),
            )
        )
    out = []
    for n, rec in enumerate(raw.cfia_records(data_dir)):
        if not rec.get("transgenic"):
            continue
        for uid in rec.get("oecd") or []:
            key, _ = _key(uid)
            out.append(
                SourceRecord(
                    source="cfia",
                    record_id=f"{n}:{uid}",
                    url=rec.get("url"),
                    name=rec.get("name", ""),
                    uid=uid,
                    uid_key=key,
                    developer=rec.get("company"),
                    approvals=list(approvals.get(key or "", [])),
                )
            )
    return out


def build_snapshots(data_dir: Path | None = None) -> dict[str, Snapshot]:
    """Every shipped snapshot, keyed by source name."""
    d = Path(data_dir) if data_dir is not None else raw.default_data_dir()
    euginius, eurl = method_records(d)
    recs = {
        "isaaa": isaaa_records(d),
        "biotrack": biotrack_records(d),
        "euginius": euginius,
        "eurl_gmff": eurl,
        "cfia": cfia_records(d),
    }
    return {name: Snapshot(name, SNAPSHOT_DATES[name], rs) for name, rs in recs.items()}


@cache
def shipped_snapshots() -> dict[str, Snapshot]:
    return build_snapshots()


def isaaa_event_ids(data_dir: Path | None = None) -> dict[str, str]:
    """UID key -> ISAAA EventID (from the shipped ISAAA snapshot), to address live pages."""
    return {r.uid_key: r.record_id for r in shipped_snapshots()["isaaa"].records if r.uid_key}


def dumps(records: list[SourceRecord]) -> str:
    return json.dumps([r.to_json() for r in records], ensure_ascii=False, sort_keys=True)
