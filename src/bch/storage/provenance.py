"""Provenance blocks of imported records and approvals reported by other sources (issue 16)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from bch.storage.change_mark import bump
from bch.storage.read_deps import ANY, note, note_docs, note_lmo_keys
from bch.storage.rows import mappings
from bch.storage.tables import record_provenance, reported_approvals


class ProvenanceRepository:
    def replace(self, conn: Connection, blocks: dict[str, dict[str, Any]]) -> int:
        """Make the stored blocks exactly `blocks` (identifier -> block); returns rows changed."""
        existing = {r.identifier: r.data for r in conn.execute(select(record_provenance))}
        changed = 0
        for ident, block in blocks.items():
            old = existing.pop(ident, None)
            if old == block:
                continue
            values = {"uid_key": block.get("key"), "data": block}
            if old is None:
                conn.execute(insert(record_provenance).values(identifier=ident, **values))
            else:
                conn.execute(
                    update(record_provenance)
                    .where(record_provenance.c.identifier == ident)
                    .values(**values)
                )
            changed += 1
        if existing:
            conn.execute(
                delete(record_provenance).where(record_provenance.c.identifier.in_(list(existing)))
            )
            changed += len(existing)
        if changed:
            bump(conn, "provenance")  # no record changed: the read caches see it here
        return changed

    def of(self, conn: Connection, identifier: str) -> dict[str, Any] | None:
        note_docs((identifier,))
        row = conn.execute(_OF, {"identifier": identifier}).first()
        return row.data if row else None

    def all(self, conn: Connection) -> dict[str, dict[str, Any]]:
        return {r.identifier: r.data for r in conn.execute(select(record_provenance))}


# built once (every LMO page asks them): building them cost a third of the look-up
_OF = select(record_provenance.c.data).where(
    record_provenance.c.identifier == bindparam("identifier")
)
_REPORTED_FOR_KEYS = (
    select(reported_approvals)
    .where(reported_approvals.c.uid_key.in_(bindparam("keys", expanding=True)))
    .order_by(reported_approvals.c.country, reported_approvals.c.uid_key)
)


class ReportedApprovalRepository:
    def replace(self, conn: Connection, source: str, rows: Sequence[dict[str, str]]) -> int:
        """Make the pairs of `source` exactly `rows` (country, uid_key, uid, retrieved)."""
        existing = {
            (r.country, r.uid_key): (r.uid, r.retrieved)
            for r in conn.execute(
                select(reported_approvals).where(reported_approvals.c.source == source)
            )
        }
        wanted = {(r["country"], r["uid_key"]): (r["uid"], r["retrieved"]) for r in rows}
        if existing == wanted:
            return 0
        bump(conn, "reported_approvals")  # no record changed: the read caches see it here
        conn.execute(delete(reported_approvals).where(reported_approvals.c.source == source))
        if wanted:
            conn.execute(
                insert(reported_approvals),
                [
                    {"source": source, "country": c, "uid_key": k, "uid": u, "retrieved": d}
                    for (c, k), (u, d) in sorted(wanted.items())
                ],
            )
        return len(set(existing.items()) ^ set(wanted.items()))

    def for_keys(self, conn: Connection, keys: Sequence[str]) -> list[dict[str, Any]]:
        note_lmo_keys(keys)
        rows = conn.execute(_REPORTED_FOR_KEYS, {"keys": list(keys)})
        return mappings(rows)

    def for_country(self, conn: Connection, country: str) -> list[dict[str, Any]]:
        note(ANY)
        rows = conn.execute(
            select(reported_approvals)
            .where(reported_approvals.c.country == country)
            .order_by(reported_approvals.c.uid_key)
        )
        return mappings(rows)

    def countries(self, conn: Connection) -> dict[str, int]:
        """Country -> number of events reported approved there."""
        out: dict[str, int] = {}
        for r in conn.execute(select(reported_approvals.c.country)):
            out[r.country] = out.get(r.country, 0) + 1
        return out
