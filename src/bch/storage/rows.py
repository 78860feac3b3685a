"""Rows the repositories hand to the services: frozen dataclasses, and the public helpers that
build them from database rows and write stored moments as the API does.

SQLite returns naive datetimes (stored in UTC); `as_utc` gives every stored moment its zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bch.storage.read_deps import note


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored moment with its time zone (UTC); None stays None."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite returns naive datetimes
    return value


def iso_utc(value: datetime | None) -> str | None:
    """A stored moment as the API writes it: ISO 8601 in UTC with a Z (None stays None)."""
    value = as_utc(value)
    return value.isoformat().replace("+00:00", "Z") if value else None


@dataclass(frozen=True)
class DocumentRow:
    """One record (table `documents`): the state of its latest revision, or its tombstone."""

    id: int
    identifier: str
    realm: str
    schema: str
    short_code: str
    owner: str
    latest_revision: int
    title: dict[str, str]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
    deleted_by: str | None
    delete_reason: str | None

    @property
    def uid_base(self) -> str:
        return f"{self.realm}-{self.short_code}-{self.owner}-{self.id}"


@dataclass(frozen=True)
class RevisionRow:
    document_id: int
    revision: int
    body: dict[str, Any]
    hash: str
    created_at: datetime
    created_by: str
    warnings: list[dict[str, str]]


@dataclass(frozen=True)
class NewRevision:
    """What a publish stores: the document and every row derived from it."""

    identifier: str
    realm: str
    schema: str
    short_code: str
    owner: str
    title: dict[str, str]
    body: dict[str, Any]
    hash: str
    by: str
    warnings: list[dict[str, str]]
    links: list[tuple[str, str, int | None]]  # (field, target identifier, pinned revision)
    lmo_keys: list[tuple[str, str]]  # (uid key, exact|component)
    facets: list[tuple[str, str]] = field(default_factory=list)  # (field, value): search filters
    texts: dict[str, str] = field(default_factory=dict)  # language -> full text of that language
    # (words, title words) of its search_tokens row as the central stored them (a node's
    # bootstrap from derived rows); None: computed from `texts` and `title` (tokens_row)
    index: tuple[str, str] | None = None


_DOCUMENT_COLUMNS = tuple(DocumentRow.__dataclass_fields__)


def mappings(result: Any) -> list[dict[str, Any]]:
    """Each row of a query's result as a dict of its columns: what `dict(row._mapping)` gives,
    at a seventh of its cost (an LMO page reads some forty reported approvals and methods)."""
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def document_from(m: Mapping[str, Any]) -> DocumentRow:
    """A DocumentRow from a mapping with the columns of `documents` (extra keys are ignored)."""
    values = {k: m[k] for k in _DOCUMENT_COLUMNS}
    for key in ("created_at", "updated_at", "deleted_at"):
        values[key] = as_utc(values[key])
    note(("doc", values["identifier"]))  # a cached answer made of it depends on it
    return DocumentRow(**values)


def document_row(row: Any) -> DocumentRow:
    """A DocumentRow from a result row of `documents`."""
    return document_from(row._mapping)


def revision_row(row: Any) -> RevisionRow:
    """A RevisionRow from a result row of `revisions`."""
    m = dict(row._mapping)
    m["created_at"] = as_utc(m["created_at"])
    return RevisionRow(**m)
