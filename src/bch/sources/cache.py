"""Caches of external answers: an in-process TTL cache (fast repeat answers) and the database
table ``source_cache`` (last known live answer per source and LMO, refreshed snapshots)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bch.sources.base import SourceRecord
from bch.storage.source_cache import SourceCacheRepository


class TtlCache:
    """Key -> (value, stored at); entries older than their TTL are misses."""

    def __init__(self, max_entries: int = 4096):
        self._data: dict[Any, tuple[float, float, Any]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: Any) -> Any | None:
        with self._lock:
            hit = self._data.get(key)
        if hit is None:
            return None
        stored, ttl, value = hit
        return value if time.monotonic() - stored < ttl else None

    def put(self, key: Any, value: Any, ttl: float) -> None:
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data.pop(next(iter(self._data)))
            self._data[key] = (time.monotonic(), ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


@dataclass
class Cached:
    records: list[SourceRecord]
    fetched_at: datetime


class SourceStore:
    """Persistent last-known answers and refreshed snapshots (table ``source_cache``)."""

    def __init__(self, rows: SourceCacheRepository):
        self.rows = rows

    def get(self, source: str, key: str) -> Cached | None:
        found = self.rows.get(source, key)
        if found is None:
            return None
        payload, fetched = found
        return Cached([SourceRecord.from_json(r) for r in payload], fetched)

    def put(self, source: str, key: str, records: list[SourceRecord]) -> datetime:
        now = datetime.now(UTC)
        self.rows.put(source, key, [r.to_json() for r in records], now)
        return now
