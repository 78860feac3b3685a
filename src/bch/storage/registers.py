"""The rows national register mappings imported (table `register_rows`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from bch.storage.database import Connection, Database
from bch.storage.tables import register_rows


class RegisterRowRepository:
    def __init__(self, db: Database):
        self.db = db

    def reading(self) -> Connection:
        return self.db.reading()

    def keys(self, conn: Connection, mapping: str) -> dict[str, str]:
        """Header identifier -> natural key of every row the mapping imported."""
        rows = conn.execute(
            select(register_rows.c.identifier, register_rows.c.row_key).where(
                register_rows.c.mapping == mapping
            )
        )
        return {r.identifier: r.row_key for r in rows}

    def remember(self, conn: Connection, mapping: str, rows: dict[str, str], at: datetime) -> int:
        """Record these (identifier -> key) rows as imported by `mapping`; returns how many are
        new. Rows already known keep their entry (and their key)."""
        known = set(self.keys(conn, mapping))
        new = [
            {"mapping": mapping, "identifier": i, "row_key": k, "seen_at": at}
            for i, k in rows.items()
            if i not in known
        ]
        if new:
            conn.execute(insert(register_rows), new)
        return len(new)
