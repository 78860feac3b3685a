"""Deterministic header identifiers for imported records.

``record_id(kind, key)`` is ``uuid5(NAMESPACE, f"{kind}:{key}")``: the same natural key always
gives the same identifier, so re-running the import updates records instead of duplicating them.
A UUID string (36 characters of hex digits and dashes) matches the BCH header identifier pattern
``^[A-Za-z0-9\\-_]{11,128}$``.
"""

from __future__ import annotations

import uuid

# Fixed for ever: changing it would give every imported record a new identity.
NAMESPACE = uuid.UUID("4e828671-20e9-4c34-9953-ce54b4cb1018")


def record_id(kind: str, key: str) -> str:
    """Header identifier of the record of `kind` (schema name) with natural key `key`."""
    if not kind or not key:
        raise ValueError("record_id needs a kind and a non-empty natural key")
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))
