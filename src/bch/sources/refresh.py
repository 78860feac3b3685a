"""Keep a source's snapshot fresh: re-read it (live when asked and reachable, else the shipped
data files), report added / changed / removed records, and never replace good data with an
empty or failed read. The new snapshot is stored in ``source_cache`` (key ``snapshot``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from bch.sources.base import SourceError, SourceRecord
from bch.sources.snapshot import build_snapshots

SNAPSHOT_KEY = "snapshot"


@dataclass
class RefreshReport:
    source: str
    origin: str  # live | shipped | none
    ok: bool
    message: str
    read: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "origin": self.origin,
            "ok": self.ok,
            "message": self.message,
            "read": self.read,
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
        }


def _link_keys(records: list[SourceRecord], resolver) -> None:
    """Records read without a UID (method targets, names) get one when the name is unambiguous
    (`resolver`: the matches service's, bch.resolve.index.Resolver)."""
    for rec in records:
        if rec.uid_key is None and rec.name:
            best = resolver.resolve(rec.name).best
            if best is not None:
                rec.uid_key, rec.uid = best.key, best.uid


def _ident(rec: SourceRecord) -> str:
    return f"{rec.record_id}|{rec.uid_key or ''}"


def diff(old: list[SourceRecord], new: list[SourceRecord]) -> tuple[list, list, list]:
    before = {_ident(r): json.dumps(r.to_json(), sort_keys=True) for r in old}
    after = {_ident(r): json.dumps(r.to_json(), sort_keys=True) for r in new}
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])
    return added, changed, removed


def refresh_source(
    matches, name: str, *, live: bool, progress: Callable[[int], None] | None = None
) -> RefreshReport:
    """Re-read one source with `matches` (a MatchService) and store the result if it is good."""
    registry = matches.registry
    src, cfg = registry.get(name), registry.config(name)
    current, _taken = matches.snapshot(name)
    old = current.records if current else []
    if live:
        origin = "live"
        try:
            new = asyncio.run(src.crawl(matches.http, cfg.base_url, progress))
        except SourceError as exc:
            return RefreshReport(name, origin, False, f"read failed, previous data kept: {exc}")
        except Exception as exc:  # an adapter crashed on an unexpected page
            return RefreshReport(
                name, origin, False, f"read failed ({type(exc).__name__}), previous data kept"
            )
    else:
        origin = "shipped"
        snap = build_snapshots().get(name)
        if snap is None:
            return RefreshReport(name, "none", False, "no shipped data for this source; use --live")
        new = snap.records
        if progress:
            for _ in new:
                progress(len(new))
    if not new:
        return RefreshReport(
            name, origin, False, "the read returned no records; previous data kept"
        )
    if live:  # shipped snapshots are linked by the importer's stricter rules (crop codes)
        _link_keys(new, matches.resolver())
    added, changed, removed = diff(old, new)
    if added or changed or removed or current is None:
        matches.store.put(name, SNAPSHOT_KEY, new)
        matches.forget_snapshots()
        message = "snapshot updated"
    else:
        message = "no change"
    return RefreshReport(name, origin, True, message, len(new), added, changed, removed)
