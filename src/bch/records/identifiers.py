"""Record identifiers.

* header identifier: the client-chosen key of a record, ``^[A-Za-z0-9\\-_]{11,128}$`` (as in the BCH);
* record UID: ``{REALM}-{SHORTCODE}-{ISO2|SCBD}-{documentID}-{revision}``, e.g. ``BCH-LMO-SCBD-14750-19``.
  documentIDs are allocated by the database and never reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADER_IDENTIFIER = re.compile(r"^[A-Za-z0-9\-_]{11,128}$")
_UID = re.compile(
    r"^(?P<realm>[A-Za-z]{2,10})-(?P<code>[A-Za-z0-9]{2,10})-(?P<owner>[A-Za-z]{2}|SCBD|scbd)"
    r"-(?P<doc>[0-9]{1,12})(?:-(?P<rev>[0-9]{1,9}))?$"
)
_PINNED = re.compile(r"^[0-9]{1,9}$")  # a revision, as in a UID (fits a 32-bit INTEGER)
REFERENCE_OWNER = "SCBD"


@dataclass(frozen=True)
class RecordUid:
    realm: str
    short_code: str
    owner: str  # ISO2 country code (upper case) or SCBD
    document_id: int
    revision: int | None = None

    def __str__(self) -> str:
        base = f"{self.realm}-{self.short_code}-{self.owner}-{self.document_id}"
        return base if self.revision is None else f"{base}-{self.revision}"

    def at(self, revision: int) -> RecordUid:
        return RecordUid(self.realm, self.short_code, self.owner, self.document_id, revision)


def parse_record_uid(text: str) -> RecordUid | None:
    m = _UID.match(text.strip())
    if not m:
        return None
    rev = m.group("rev")
    return RecordUid(
        realm=m.group("realm").upper(),
        short_code=m.group("code").upper(),
        owner=m.group("owner").upper(),
        document_id=int(m.group("doc")),
        revision=int(rev) if rev else None,
    )


def is_header_identifier(text: str) -> bool:
    return bool(HEADER_IDENTIFIER.match(text))


def split_pinned(identifier: str) -> tuple[str, int | None]:
    """``abc@3`` -> (``abc``, 3): a reference pinned to a revision; otherwise (identifier, None)."""
    base, sep, rev = identifier.partition("@")
    if sep and _PINNED.match(rev):
        return base, int(rev)
    return identifier, None
