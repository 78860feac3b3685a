"""Maintenance of derived rows: which records to re-derive, and their search rows rewritten
(`bch db reindex`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, select

from bch.storage.rows import DocumentRow, document_row
from bch.storage.scope import EVERYTHING, scope_filter
from bch.storage.search_index import replace_index
from bch.storage.tables import documents


class MaintenanceRepository:
    def live_ids(self, conn: Connection) -> list[int]:
        """Every live record, in documentID order (whoever may read them)."""
        return list(
            conn.execute(
                select(documents.c.id).where(scope_filter(EVERYTHING)).order_by(documents.c.id)
            ).scalars()
        )

    def live_documents(self, conn: Connection, ids: Sequence[int]) -> list[DocumentRow]:
        """Those of `ids` that are still live records, in documentID order."""
        rows = conn.execute(
            select(documents)
            .where(documents.c.id.in_(list(ids)), scope_filter(EVERYTHING))
            .order_by(documents.c.id)
        )
        return [document_row(r) for r in rows]

    def replace_search_rows(
        self,
        conn: Connection,
        doc_id: int,
        facets: Sequence[tuple[str, str]],
        texts: Mapping[str, str],
        title: Mapping[str, str] | None = None,
    ) -> None:
        """The facet rows, per-language texts and index entries of one record, rewritten."""
        replace_index(conn, doc_id, facets, texts, title)
