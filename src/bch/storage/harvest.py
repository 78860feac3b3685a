"""The OAI-PMH listing queries: records (live and deleted: deletions persist) in the caller's
scope, selected by set and datestamp window, in documentID order (keyset paging)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, select

from bch.records.identifiers import REFERENCE_OWNER
from bch.storage.rows import DocumentRow, as_utc, document_row
from bch.storage.scope import ReadScope, scope_filter
from bch.storage.tables import documents


@dataclass(frozen=True)
class Selection:
    """Which records a list request asks for (None: any)."""

    realm: str | None = None
    schema: str | None = None
    owner: str | None = None
    national: bool = False  # national records only (owner is a country, not SCBD)
    since: datetime | None = None  # datestamp >= since
    before: datetime | None = None  # datestamp < before


class HarvestRepository:
    def page(
        self, conn: Connection, selection: Selection, *, scope: ReadScope, after: int, limit: int
    ) -> list[DocumentRow]:
        """Up to `limit` records of the selection with a documentID above `after`."""
        rows = conn.execute(
            select(documents)
            .where(self._where(selection, scope), documents.c.id > after)
            .order_by(documents.c.id)
            .limit(limit)
        )
        return [document_row(r) for r in rows]

    def count(self, conn: Connection, selection: Selection, *, scope: ReadScope) -> int:
        return conn.execute(
            select(func.count()).select_from(documents).where(self._where(selection, scope))
        ).scalar_one()

    def earliest(self, conn: Connection, *, scope: ReadScope) -> datetime | None:
        """The oldest datestamp (time of last publish or deletion) in scope."""
        value = conn.execute(
            select(func.min(documents.c.updated_at)).where(scope_filter(scope, live=False))
        ).scalar_one()
        return as_utc(value)

    def countries(self, conn: Connection, *, scope: ReadScope) -> list[str]:
        """Countries that have records in scope (for the country sets)."""
        return sorted(
            conn.execute(
                select(documents.c.owner)
                .where(documents.c.owner != REFERENCE_OWNER, scope_filter(scope, live=False))
                .distinct()
            ).scalars()
        )

    @staticmethod
    def _where(s: Selection, scope: ReadScope) -> ColumnElement[bool]:
        parts = [scope_filter(scope, live=False)]
        if s.realm is not None:
            parts.append(documents.c.realm == s.realm)
        if s.schema is not None:
            parts.append(documents.c.schema == s.schema)
        if s.owner is not None:
            parts.append(documents.c.owner == s.owner)
        if s.national:
            parts.append(documents.c.owner != REFERENCE_OWNER)
        if s.since is not None:
            parts.append(documents.c.updated_at >= s.since)
        if s.before is not None:
            parts.append(documents.c.updated_at < s.before)
        return and_(*parts)
