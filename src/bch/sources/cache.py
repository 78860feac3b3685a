"""Caches of external answers: an in-process TTL cache (fast repeat answers) and the database
table ``source_cache`` (last known live answer per source and LMO, refreshed snapshots)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from bch.sources.base import SourceRecord
from bch.storage.tables import source_cache


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

    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, source: str, key: str) -> Cached | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(source_cache.c.payload, source_cache.c.fetched_at).where(
                    source_cache.c.source == source, source_cache.c.key == key
                )
            ).first()
        if row is None:
            return None
        fetched = row.fetched_at
        if fetched.tzinfo is None:  # SQLite returns naive datetimes
            fetched = fetched.replace(tzinfo=UTC)
        return Cached([SourceRecord.from_json(r) for r in row.payload], fetched)

    def put(self, source: str, key: str, records: list[SourceRecord]) -> datetime:
        now = datetime.now(UTC)
        payload = [r.to_json() for r in records]
        with self.engine.begin() as conn:
            conn.execute(
                delete(source_cache).where(
                    source_cache.c.source == source, source_cache.c.key == key
                )
            )
            conn.execute(
                insert(source_cache).values(source=source, key=key, payload=payload, fetched_at=now)
            )
        return now
