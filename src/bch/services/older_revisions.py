"""GET /api/v1/revisions: the revisions before each record's latest, in bulk, for a national
node to hold the central's whole history of what it mirrors (issue 12; the dumps and the table
snapshot carry each record's latest revision only).

Pages in (documentID, revision) order with an opaque cursor; the live records the caller may
read (read_scope), their confidential fields withheld from a caller who may not see them, as in
the dumps (policy.redact) — in every revision."""

from __future__ import annotations

from typing import Any

import orjson

from bch.records.identifiers import REFERENCE_OWNER
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.services.cursors import bad_cursor, decode_cursor, encode_cursor
from bch.services.errors import BadRequest
from bch.services.policy import ANONYMOUS, Principal, public_actor, read_scope, redact
from bch.services.selection import country_codes, schema_names
from bch.storage.revision_history import HistoryRepository, OlderRevision
from bch.storage.rows import iso_utc

LIMIT = 500  # revisions per page unless asked
MAX_LIMIT = 2000


class OlderRevisions:
    def __init__(self, repo: HistoryRepository, registry: RealmRegistry):
        self.repo = repo
        self.registry = registry

    def page(
        self,
        principal: Principal = ANONYMOUS,
        *,
        after: str | None = None,
        schemas: list[str] | None = None,
        countries: list[str] | None = None,
        limit: int = LIMIT,
    ) -> dict[str, Any]:
        """One page: {"items": [...], "next": cursor or None (the last page)}. `countries`:
        national records of these countries only (reference records always, as a node's
        `--countries`)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(
                f"limit must be 1 to {MAX_LIMIT}",
                errors=[{"code": "Error.InvalidParameter", "path": "limit", "message": str(limit)}],
            )
        names = schema_names(self.registry, schemas or [])
        codes = country_codes(countries or [])
        owners = [*codes, REFERENCE_OWNER] if codes else []
        rows = self.repo.page(
            read_scope(principal),
            after=_position(after),
            schemas=names,
            owners=owners,
            limit=limit,
        )
        items = [self._item(principal, r) for r in rows]
        last = rows[-1] if len(rows) == limit else None
        return {
            "items": items,
            "next": encode_cursor({"d": last.document_id, "r": last.revision}) if last else None,
        }

    def _item(self, principal: Principal, r: OlderRevision) -> dict[str, Any]:
        try:
            rt = self.registry.record_type(r.schema, r.realm)
        except UnknownSchema:
            rt = None
        body = redact(principal, rt, r.owner, orjson.loads(r.body))
        return {
            "id": f"{r.realm}-{r.short_code}-{r.owner}-{r.document_id}-{r.revision}",
            "identifier": r.identifier,
            "schema": r.schema,
            "country": None if r.owner == REFERENCE_OWNER else r.owner,
            "revision": r.revision,
            "publishedAt": iso_utc(r.published_at),
            "publishedBy": public_actor(r.published_by),
            "warnings": orjson.loads(r.warnings) if r.warnings != "[]" else [],
            "document": body,
        }


def _position(token: str | None) -> tuple[int, int] | None:
    position = decode_cursor(token)
    if position is None:
        return None
    d, r = position.get("d"), position.get("r")
    if not (isinstance(d, int) and isinstance(r, int) and 0 <= d < 2**62 and 0 <= r < 2**31):
        raise bad_cursor(token)
    return d, r
