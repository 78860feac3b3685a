"""Last known answers of external sources (table `source_cache`): per source and key (a live
lookup "uid:<key>", or "snapshot" for a refreshed snapshot), the payload as JSON and when it
was fetched."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from bch.storage.change_mark import bump
from bch.storage.database import Database
from bch.storage.rows import as_utc
from bch.storage.tables import source_cache

SNAPSHOT = "snapshot"  # the key of a refreshed snapshot (sources/refresh.py)


class SourceCacheRepository:
    def __init__(self, db: Database):
        self.db = db

    def get(self, source: str, key: str) -> tuple[Any, datetime] | None:
        """(payload, fetched at) or None."""
        with self.db.reading() as conn:
            row = conn.execute(
                select(source_cache.c.payload, source_cache.c.fetched_at).where(
                    source_cache.c.source == source, source_cache.c.key == key
                )
            ).first()
        if row is None:
            return None
        fetched = as_utc(row.fetched_at)
        assert fetched is not None
        return row.payload, fetched

    def put(self, source: str, key: str, payload: Any, at: datetime) -> None:
        """Replace the entry, in a transaction of its own."""
        with self.db.writing(changes=False) as conn:
            conn.execute(
                delete(source_cache).where(
                    source_cache.c.source == source, source_cache.c.key == key
                )
            )
            conn.execute(
                insert(source_cache).values(source=source, key=key, payload=payload, fetched_at=at)
            )
            if key == SNAPSHOT:  # a refreshed snapshot: the read caches see it at once
                bump(conn, "source_snapshots")
