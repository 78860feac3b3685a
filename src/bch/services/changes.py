"""The change feed: every publish and delete in change-sequence order, tombstones included.

The sequence is written in the publish/delete transaction under the lock that orders writers
(bch.storage.sequence): numbers are gap-free and committed in order, so a reader resuming after
`seq` never skips or repeats an entry. The `since` token is opaque (base64 of the last sequence
number); a plain integer is accepted too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bch.records.identifiers import REFERENCE_OWNER
from bch.services.cursors import decode_cursor, encode_cursor
from bch.services.errors import BadRequest
from bch.services.numbers import MAX_ID, is_ascii_number, number_from_text, number_from_token
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.storage.database import Database
from bch.storage.feed import ChangeRepository, ChangeRow
from bch.storage.rows import iso_utc

MAX_LIMIT = 1000


@dataclass
class ChangePage:
    items: list[dict[str, Any]]
    next: str  # always given: resume from here, even when the page was empty
    sequence: int  # last sequence number included (or the `since` position)


def sequence_token(seq: int) -> str:
    return encode_cursor({"seq": seq})


def parse_since(token: str | None) -> int:
    """A `since` token (or a bare sequence number) -> the sequence to resume after."""
    if token is None or token == "":
        return 0
    if is_ascii_number(token):
        return number_from_text(token, "since", low=0, high=MAX_ID)
    try:
        position = decode_cursor(token)
    except BadRequest:
        position = None
    if not position or "seq" not in position:
        raise BadRequest(
            "since is not a change token this server gave out (nor a sequence number)",
            errors=[{"code": "Error.InvalidParameter", "path": "since", "message": token[:40]}],
        )
    return number_from_token(position["seq"], "since", low=0, high=MAX_ID)


class ChangeFeed:
    def __init__(self, db: Database, changes: ChangeRepository):
        self.db = db
        self.changes = changes

    def page(
        self, since: str | None = None, limit: int = 100, principal: Principal = ANONYMOUS
    ) -> ChangePage:
        """The entries after `since` on records the principal may read (read_scope), deletions
        of such records included."""
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
        after = parse_since(since)
        with self.db.reading() as conn:
            rows = self.changes.page(conn, after=after, limit=limit, scope=read_scope(principal))
        items = [_entry(r) for r in rows]
        last = rows[-1].seq if rows else after
        return ChangePage(items, sequence_token(last), last)

    def last_sequence(self) -> int:
        with self.db.reading() as conn:
            return self.changes.last_sequence(conn)


def _entry(m: ChangeRow) -> dict[str, Any]:
    base = f"{m.realm}-{m.short_code}-{m.owner}-{m.id}"
    uid = f"{base}-{m.revision}"
    entry: dict[str, Any] = {
        "seq": m.seq,
        "action": m.action,
        "id": uid,
        "identifier": m.identifier,
        "schema": m.schema,
        "realm": m.realm,
        "country": None if m.owner == REFERENCE_OWNER else m.owner,
        "revision": m.revision,
        "at": iso_utc(m.at),
        "url": f"/api/v1/records/{base}/versions/{m.revision}",
    }
    if m.action == "delete":
        # the reason is on the record while it stays deleted; a later re-publish clears it
        still = m.deleted_at is not None and m.latest_revision == m.revision
        entry["tombstone"] = {
            "id": uid,
            "identifier": m.identifier,
            "schema": m.schema,
            "realm": m.realm,
            "deletedAt": entry["at"],
            "reason": m.delete_reason if still else None,
        }
    return entry
