"""What a shipment check reads (a country's decisions with the OECD UID keys of the LMOs they
cover, its competent authorities and focal points) and the saved checks (table
`customs_checks`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from bch.storage.database import Connection, Database
from bch.storage.rows import DocumentRow, as_utc, document_row
from bch.storage.scope import ReadScope, scope_filter
from bch.storage.tables import customs_checks, documents, lmo_uids, revisions

CHUNK = 500


@dataclass(frozen=True)
class CountryRecord:
    """A live record of the country, with the body of its latest revision."""

    row: DocumentRow
    body: dict[str, Any]


class CustomsRepository:
    def __init__(self, db: Database):
        self.db = db

    def reading(self) -> Connection:
        return self.db.reading()

    def country_records(
        self, conn: Connection, country: str, schemas: tuple[str, ...], scope: ReadScope
    ) -> list[CountryRecord]:
        """Live records of `country` of these schemas in `scope`, with their latest bodies, in
        documentID order (one query)."""
        rows = conn.execute(
            select(documents, revisions.c.body)
            .join(
                revisions,
                (revisions.c.document_id == documents.c.id)
                & (revisions.c.revision == documents.c.latest_revision),
            )
            .where(
                documents.c.owner == country.upper(),
                documents.c.schema.in_(schemas),
                scope_filter(scope),
            )
            .order_by(documents.c.id)
        )
        return [CountryRecord(document_row(r), r.body) for r in rows]

    def uid_keys_of(
        self, conn: Connection, identifiers: set[str], scope: ReadScope
    ) -> dict[str, set[str]]:
        """Header identifier of LMO records in scope -> the OECD UID keys it is registered with
        (the exact key only: a stack's record stands for the stack, not for its components)."""
        ids = sorted(identifiers)
        out: dict[str, set[str]] = {}
        for i in range(0, len(ids), CHUNK):
            rows = conn.execute(
                select(documents.c.identifier, lmo_uids.c.uid_key)
                .join(lmo_uids, lmo_uids.c.document_id == documents.c.id)
                .where(
                    documents.c.identifier.in_(ids[i : i + CHUNK]),
                    lmo_uids.c.kind == "exact",
                    scope_filter(scope),
                )
            )
            for r in rows:
                out.setdefault(r.identifier, set()).add(r.uid_key)
        return out

    def lmo_titles(self, conn: Connection, keys: set[str], scope: ReadScope) -> dict[str, str]:
        """OECD UID key -> header identifier of the (first) LMO record in scope with that key."""
        ks = sorted(keys)
        found: dict[str, list[int]] = {}
        for i in range(0, len(ks), CHUNK):
            rows = conn.execute(
                select(lmo_uids.c.uid_key, lmo_uids.c.document_id).where(
                    lmo_uids.c.uid_key.in_(ks[i : i + CHUNK]), lmo_uids.c.kind == "exact"
                )
            )
            for r in rows:
                found.setdefault(r.uid_key, []).append(r.document_id)
        ids = sorted({d for v in found.values() for d in v})
        idents: dict[int, str] = {}
        for i in range(0, len(ids), CHUNK):
            rows = conn.execute(
                select(documents.c.id, documents.c.identifier).where(
                    documents.c.id.in_(ids[i : i + CHUNK]),
                    documents.c.schema == "modifiedOrganism",
                    scope_filter(scope),
                )
            )
            idents.update({r.id: r.identifier for r in rows})
        out = {}
        for key, doc_ids in found.items():
            live = [d for d in sorted(doc_ids) if d in idents]
            if live:
                out[key] = idents[live[0]]
        return out

    # -- saved checks ---------------------------------------------------------------------------
    def save_check(
        self, conn: Connection, ident: str, at: datetime, destination: str, result: dict
    ) -> None:
        conn.execute(
            insert(customs_checks).values(
                id=ident, created_at=at, destination=destination, result=result
            )
        )

    def saved_check(self, ident: str) -> tuple[dict[str, Any], datetime] | None:
        with self.db.reading() as conn:
            row = conn.execute(
                select(customs_checks.c.result, customs_checks.c.created_at).where(
                    customs_checks.c.id == ident
                )
            ).first()
        if row is None:
            return None
        at = as_utc(row.created_at)
        assert at is not None
        return row.result, at
