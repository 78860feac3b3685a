"""A node's selection of what to mirror, as a central reads it from a request (`schemas`,
`countries`: comma-separated, as `bch node init` writes them), checked once for the table
snapshots (bch.services.table_snapshots) and the older revisions (bch.services.older_revisions)."""

from __future__ import annotations

from bch.records.realms import RealmRegistry, UnknownSchema
from bch.services.errors import BadRequest


def schema_names(registry: RealmRegistry, schemas: list[str]) -> list[str]:
    """The record types named, sorted and without repeats; 400 naming an unknown one."""
    names = sorted({s.strip() for s in schemas if s.strip()})
    for name in names:
        try:
            registry.record_type(name)
        except UnknownSchema:
            raise BadRequest(
                f"schemas: unknown record type {name!r} (comma-separated schema names such "
                "as modifiedOrganism,organism)",
                errors=[{"code": "Error.UnknownSchema", "path": "schemas", "message": name}],
            ) from None
    return names


def country_codes(countries: list[str]) -> list[str]:
    """The ISO 3166 two-letter codes named, upper case, sorted and without repeats; 400 naming
    a malformed one."""
    codes = sorted({c.strip().upper() for c in countries if c.strip()})
    for code in codes:
        if len(code) != 2 or not code.isalpha():
            raise BadRequest(
                f"countries: {code!r} is not an ISO 3166 two-letter code (comma-separated, "
                "such as CA,US)",
                errors=[{"code": "Error.InvalidValue", "path": "countries", "message": code}],
            )
    return codes
