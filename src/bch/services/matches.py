"""Matching records from external databases for one LMO, under one overall deadline.

Every requested source runs concurrently: offline sources read their snapshot (shipped, or
refreshed by ``bch sources refresh``), live sources call their adapter. A source that is slow
or fails never delays the answer past the deadline nor breaks it: it is labelled ``timeout`` or
``error`` and carries its last known result and its date when one is cached. Sources with no
snapshot in offline mode are labelled ``offline`` ("not available offline").
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bch.services.errors import BadRequest, NotFound
from bch.services.lmos import LmoService
from bch.services.summaries import record_summary
from bch.settings import default_data_dir
from bch.sources.base import NotAvailableOffline, SourceError, SourceRecord, Target
from bch.sources.cache import SourceStore, TtlCache
from bch.sources.compare import compare
from bch.sources.http import SourceHttp
from bch.sources.registry import SourceRegistry
from bch.sources.snapshot import Snapshot, shipped_snapshots

if TYPE_CHECKING:
    from bch.resolve.index import Resolver

SNAPSHOT_KEY = "snapshot"
ANSWER_TTL_OK = 60.0  # a full answer is reused this long
ANSWER_TTL_PARTIAL = 5.0  # ... and this long when a source timed out or failed
ANSWER_MARGIN = 0.25  # seconds kept after the sources' deadline to assemble the answer


@dataclass
class SourceAnswer:
    name: str
    status: str  # ok | timeout | error | offline | disabled
    origin: str | None = None  # snapshot | live | cache
    message: str = ""
    records: list[SourceRecord] = field(default_factory=list)
    fetched_at: str | None = None
    last_known: dict[str, Any] | None = None
    elapsed_ms: float = 0.0


@cache
def _names_by_key() -> dict[str, str]:
    from bch.importer import sources as raw
    from bch.importer.events import lmo_rows

    return {r.key: r.event_name for r in lmo_rows(raw.lmo_events()) if r.event_name}


class MatchService:
    def __init__(
        self,
        lmos: LmoService,
        registry: SourceRegistry,
        store: SourceStore,
        http: SourceHttp | None = None,
        deadline: float = 2.0,
        warm: bool = True,
        persist: bool = True,
        data_dir: Path | None = None,
        resolver: Callable[[], Resolver] | None = None,
        marks: Callable[[], Any] | None = None,
    ):
        """`resolver`: gives the name resolver (built once from the shipped data, on first use;
        the container passes its own). `marks`: the database's data marks
        (storage/change_mark.py); when they moved (a snapshot refreshed by another process),
        the refreshed snapshots are read again."""
        if resolver is None:
            from bch.resolve.index import default_resolver as resolver
        self.resolver = resolver
        self.data_dir = data_dir or default_data_dir()  # BCH_DATA_DIR: the shipped data
        self.lmos = lmos
        self.registry = registry
        self.store = store
        self.http = http or SourceHttp()
        self.deadline = deadline
        self.persist = persist  # False: live answers are kept in memory only (read-only DB)
        self.live_cache = TtlCache()
        self.answers = TtlCache()
        self._refreshed: dict[str, Snapshot] | None = None
        self.marks = marks
        self._marks: Any = None  # the marks when the refreshed snapshots were read
        self._lock = threading.Lock()
        self._warming = threading.Lock()  # one thread builds, the others wait for it
        self.warmed = False
        if warm:  # build the snapshots off the request path
            threading.Thread(target=self.warm, daemon=True).start()

    def warm(self) -> None:
        """Build the snapshots, names and resolver (the first answer would otherwise pay);
        once: a second caller waits for the first's build (cli/warm.py at a worker's start)."""
        with self._warming:
            if self.warmed:
                return
            shipped_snapshots()
            _names_by_key()
            self.resolver()
            self.warmed = True

    # -- snapshots --------------------------------------------------------------------------

    def snapshot(self, name: str) -> tuple[Snapshot | None, str | None]:
        """The refreshed snapshot of a source if one was stored, else the shipped one."""
        marks = self.marks() if self.marks is not None else None
        with self._lock:
            if self._refreshed is not None and marks != self._marks:  # refreshed elsewhere
                self._refreshed = None
                self.answers.clear()
            if self._refreshed is None:
                self._marks = marks
                self._refreshed = {}
                for src in self.registry.names():
                    cached = self.store.get(src, SNAPSHOT_KEY)
                    if cached is not None:
                        taken = cached.fetched_at.date().isoformat()
                        self._refreshed[src] = Snapshot(src, taken, cached.records)
            refreshed = self._refreshed.get(name)
        if refreshed is not None:
            return refreshed, refreshed.taken
        snap = shipped_snapshots().get(name)
        return (snap, snap.taken) if snap else (None, None)

    def forget_snapshots(self) -> None:
        with self._lock:
            self._refreshed = None
        self.answers.clear()

    # -- the target -------------------------------------------------------------------------

    def target(self, uid_text: str) -> tuple[Any, Target]:
        from bch.records.oecd_uid import parse_uid, try_parse_uid

        if try_parse_uid(uid_text) is None:  # a name: MON810, Cornline 1507, ...
            found = self.resolver().resolve(uid_text)
            if found.best is None or not found.best.uid:
                why = "ambiguous" if found.ambiguous else "unknown"
                raise NotFound(
                    f"{uid_text!r} is not an OECD unique identifier and names no single LMO "
                    f"({why}; see /api/v1/resolve?name=...)"
                )
            uid_text = found.best.uid
        view = self.lmos.find(uid_text)

        parsed = parse_uid(view.canonical_uid)
        names: list[str] = []
        ids: dict[str, str] = {}
        for src in ("euginius", "isaaa", "biotrack"):
            snap, _ = self.snapshot(src)
            exact = [
                r
                for r in (snap.lookup(Target(parsed.key, parsed.canonical)) if snap else [])
                if r.relation == "exact"
            ]
            if src in ("isaaa", "biotrack") and exact:
                ids[src] = exact[0].record_id
            if src != "biotrack":
                names += [r.name for r in exact]
        if _names_by_key().get(parsed.key):
            names.append(_names_by_key()[parsed.key])
        target = Target(
            uid_key=parsed.key,
            canonical_uid=parsed.canonical,
            component_keys=parsed.component_keys if parsed.is_stack else (),
            event_names=tuple(dict.fromkeys(n for n in names if n)),
            source_ids=ids,
        )
        return view, target

    # -- one source -------------------------------------------------------------------------

    def _offline(self, name: str, target: Target) -> SourceAnswer:
        snap, taken = self.snapshot(name)
        if snap is None:
            return SourceAnswer(name, "offline", message="not available offline")
        return SourceAnswer(name, "ok", "snapshot", records=snap.lookup(target), fetched_at=taken)

    def _last_known(self, name: str, target: Target) -> dict[str, Any] | None:
        cached = self.store.get(name, f"uid:{target.uid_key}")
        if cached is not None:
            return {
                "origin": "cache",
                "fetchedAt": cached.fetched_at.isoformat(),
                "records": [r.to_json() for r in cached.records],
            }
        snap, taken = self.snapshot(name)
        if snap is not None:
            return {
                "origin": "snapshot",
                "fetchedAt": taken,
                "records": [r.to_json() for r in snap.lookup(target)],
            }
        return None

    async def _live(self, name: str, target: Target, budget: float) -> SourceAnswer:
        cfg = self.registry.config(name)
        hit = self.live_cache.get((name, target.uid_key))
        if hit is not None:
            records, fetched = hit
            return SourceAnswer(name, "ok", "cache", records=records, fetched_at=fetched)
        src = self.registry.get(name)
        # the request's own timeout fires just before the overall deadline, so the circuit
        # breaker learns about a hanging host (a cancelled task would teach it nothing)
        limit = max(0.05, min(cfg.timeout, budget - 0.25))
        http = replace(self.http, timeout=limit)  # shares the breaker and rate-limit state
        records = await src.fetch(http, cfg.base_url, target)
        if self.persist:
            fetched = await asyncio.to_thread(
                self.store.put, name, f"uid:{target.uid_key}", records
            )
            stamp = fetched.isoformat()
        else:
            stamp = datetime.now(UTC).isoformat()
        self.live_cache.put((name, target.uid_key), (records, stamp), cfg.cache_ttl)
        return SourceAnswer(name, "ok", "live", records=records, fetched_at=stamp)

    async def _one(self, name: str, target: Target, budget: float) -> SourceAnswer:
        cfg = self.registry.config(name)
        if not cfg.enabled:
            return SourceAnswer(name, "disabled", message="disabled in the configuration")
        if cfg.mode == "offline":
            return await asyncio.to_thread(self._offline, name, target)
        return await self._live(name, target, budget)

    # -- all sources ------------------------------------------------------------------------

    def _names(self, sources: list[str] | None) -> list[str]:
        known = self.registry.names()
        if not sources:
            return known
        bad = [s for s in sources if s not in known]
        if bad:
            raise BadRequest(
                f"unknown source(s): {', '.join(bad)}",
                errors=[
                    {
                        "code": "Error.UnknownSource",
                        "path": "sources",
                        "message": f"expected one of {', '.join(known)}",
                    }
                ],
            )
        return list(dict.fromkeys(sources))

    async def matches(
        self, uid_text: str, sources: list[str] | None = None, deadline: float | None = None
    ) -> dict[str, Any]:
        start = time.monotonic()
        limit = self.deadline if deadline is None else deadline
        names = self._names(sources)
        quick = _quick_key(uid_text)
        cached = self.answers.get((quick, tuple(names))) if quick else None
        if cached is not None:  # a repeat: no database round trip
            return {**cached, "cached": True, "elapsedMs": _ms(start)}
        view, target = await asyncio.to_thread(self.target, uid_text)
        key = (target.uid_key, tuple(names))
        cached = self.answers.get(key)
        if cached is not None:
            return {**cached, "cached": True, "elapsedMs": _ms(start)}
        # keep a margin for assembling the answer after the sources' deadline
        remaining = max(0.05, limit - (time.monotonic() - start) - ANSWER_MARGIN)
        tasks = {asyncio.create_task(self._timed(n, target, remaining)): n for n in names}
        matrix_task = asyncio.create_task(
            asyncio.to_thread(self.lmos.decision_matrix, target.canonical_uid)
        )
        done, pending = await asyncio.wait([*tasks, matrix_task], timeout=remaining)
        answers: dict[str, SourceAnswer] = {}
        for task, name in tasks.items():
            if task in pending:
                task.cancel()
                answers[name] = SourceAnswer(
                    name, "timeout", message=f"no answer within {limit:g} s"
                )
                continue
            exc = task.exception()
            if exc is None:
                answers[name] = task.result()
            elif isinstance(exc, NotAvailableOffline):
                answers[name] = SourceAnswer(name, "offline", message=exc.message)
            elif isinstance(exc, SourceError):
                answers[name] = SourceAnswer(name, exc.status, message=exc.message)
            else:  # an adapter crashed on an unexpected page: an error of that source only
                answers[name] = SourceAnswer(name, "error", message=f"{type(exc).__name__}: {exc}")
        failed = [a for a in answers.values() if a.status in ("timeout", "error")]
        for a in failed:
            a.last_known = await asyncio.to_thread(self._last_known, a.name, target)
        matrix = matrix_task.result() if matrix_task in done else await matrix_task
        body = self._body(view, target, names, answers, matrix, limit)
        self.answers.put(key, body, ANSWER_TTL_PARTIAL if failed else ANSWER_TTL_OK)
        return {**body, "cached": False, "elapsedMs": _ms(start)}

    async def _timed(self, name: str, target: Target, budget: float) -> SourceAnswer:
        t = time.monotonic()
        answer = await self._one(name, target, budget)
        answer.elapsed_ms = _ms(t)
        return answer

    def _body(self, view, target, names, answers, matrix, limit) -> dict[str, Any]:
        out_sources = []
        for name in names:
            a, src = answers[name], self.registry.get(name)
            cfg = self.registry.config(name)
            out_sources.append(
                {
                    **src.describe(),
                    "mode": cfg.mode,
                    "status": a.status,
                    "origin": a.origin,
                    "message": a.message,
                    "fetchedAt": a.fetched_at,
                    "elapsedMs": a.elapsed_ms,
                    "records": [r.to_json() for r in a.records],
                    "lastKnown": a.last_known,
                }
            )
        ok = {n: a.records for n, a in answers.items() if a.status == "ok"}
        return {
            "uniqueIdentification": target.canonical_uid,
            "key": target.uid_key,
            "lmo": matrix.get("lmo"),
            "deadlineSeconds": limit,
            "bch": {"scopes": matrix.get("scopes"), "countries": matrix.get("countries")},
            "sources": out_sources,
            "comparison": compare(matrix, ok),
            "offline": [n for n, a in answers.items() if a.status == "offline"],
            "unavailable": [n for n, a in answers.items() if a.status in ("timeout", "error")],
        }


def detection_methods(svc: MatchService, uid_text: str) -> dict[str, Any]:
    """Methods and reference materials by UID; for a stack, each component's methods too."""
    view, target = svc.target(uid_text)
    names = _names_by_key()
    own, by_component = [], {}
    for m in view.detection_methods:
        entry = {
            "methodId": m["code"],
            "source": m["source"],
            "type": m.get("type"),
            "scope": m.get("scope"),
            "target": m.get("target"),
            "validation": m.get("validation"),
            "url": m.get("url"),
            "appliesTo": m.get("appliesTo"),
        }
        if m.get("forComponent"):
            by_component.setdefault(m["appliesTo"], []).append({**entry, "forComponent": True})
        else:
            own.append(entry)
    components = [
        {
            "key": key,
            "uniqueIdentification": _canonical(key),
            "name": names.get(key),
            "label": f"component {names.get(key) or _canonical(key)} of the stack",
            "methods": by_component.get(key, []),
        }
        for key in target.component_keys
    ]
    materials = []
    for name in ("biotrack", "eu_register", "fao"):
        hit = svc.live_cache.get((name, target.uid_key))
        found = None if hit else svc.store.get(name, f"uid:{target.uid_key}")
        snap, _ = svc.snapshot(name)
        stored = found.records if found else (snap.lookup(target) if snap else [])
        records = hit[0] if hit else stored
        for rec in records:
            for code in rec.reference_materials:
                materials.append(
                    {"code": code, "source": name, "url": rec.url, "appliesTo": rec.uid_key}
                )
    for key in (target.uid_key, *target.component_keys):
        for row in captured_reference_materials(svc.data_dir).get(key, []):
            materials.append({**row, "appliesTo": key, "forComponent": key != target.uid_key})
    notes = []
    if not materials:
        notes.append(
            "no reference material is recorded for this LMO in the shipped snapshots; BioTrack, "
            "the EU register and FAO list them on their live pages (run them in live mode)"
        )
    return {
        "uniqueIdentification": target.canonical_uid,
        "lmo": record_summary(view.record.doc),
        "methods": own,
        "components": components,
        "referenceMaterials": materials,
        "notes": notes,
    }


@cache
def captured_reference_materials(data_dir: Path) -> dict[str, list[dict[str, str]]]:
    """Reference materials named on captured public source pages
    (`data_dir`/reference_materials.csv, BCH_DATA_DIR), by UID key."""
    import csv

    from bch.records.oecd_uid import uid_key

    path = data_dir / "reference_materials.csv"
    out: dict[str, list[dict[str, str]]] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = uid_key(row["unique_identifier"])
            if key:
                out.setdefault(key, []).append(
                    {
                        "code": row["material"],
                        "provider": row["provider"],
                        "source": row["source"],
                        "url": row["source_url"],
                        "quote": row["quote"],
                    }
                )
    return out


def _canonical(key: str) -> str:
    from bch.records.oecd_uid import canonical_uid

    return canonical_uid(key)


def _quick_key(text: str) -> str | None:
    from bch.records.oecd_uid import try_parse_uid

    parsed = try_parse_uid(text)
    return parsed.key if parsed else None


def _ms(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)
