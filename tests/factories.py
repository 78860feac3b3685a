"""Small valid documents for tests, built from real names (no invented facts)."""

from __future__ import annotations

import uuid


def ident(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def organism(name: str = "Zea mays", identifier: str | None = None, **fields) -> dict:
    return {
        "header": {
            "identifier": identifier or ident("orga"),
            "schema": "organism",
            "languages": ["en"],
        },
        "scientificName": name,
        **fields,
    }


def organization(
    name: str = "Canadian Food Inspection Agency", identifier: str | None = None
) -> dict:
    return {
        "header": {
            "identifier": identifier or ident("org"),
            "schema": "organization",
            "languages": ["en"],
        },
        "name": {"en": name},
    }


def authority(country: str = "CA", identifier: str | None = None, languages=("en", "fr")) -> dict:
    return {
        "header": {
            "identifier": identifier or ident("cna"),
            "schema": "authority",
            "languages": list(languages),
        },
        "government": {"identifier": country},
        "name": {
            "en": "Canadian Food Inspection Agency",
            "fr": "Agence canadienne d'inspection des aliments",
        },
        "cpbOrganismTypes": [{"identifier": "TypeOfOrganisms.plants"}],
    }


def contact(last_name: str = "Contact (synthetic)", identifier: str | None = None) -> dict:
    """A person to contact: a reference record its author publishes directly."""
    return {
        "header": {
            "identifier": identifier or ident("con"),
            "schema": "contact",
            "languages": ["en"],
        },
        "type": "person",
        "firstName": "Test",
        "lastName": last_name,
        "emails": ["contact@example.org"],
    }


def gene(abbreviation: str = "cry1Ab", identifier: str | None = None) -> dict:
    """A genetic element named by its real abbreviation (e.g. MON810's cry1Ab)."""
    return {
        "header": {
            "identifier": identifier or ident("gene"),
            "schema": "dnaSequence",
            "languages": ["en"],
        },
        "name": {"en": abbreviation},
        "abbreviation": abbreviation,
    }


def lmo(event: str = "MON810", uid: str = "MON-ØØ81Ø-6", identifier: str | None = None) -> dict:
    """An LMO (modifiedOrganism) with its transformation event and unique identifier only."""
    return {
        "header": {
            "identifier": identifier or ident("lmo"),
            "schema": "modifiedOrganism",
            "languages": ["en"],
        },
        "transformationEvent": event,
        "hasUniqueIdentification": True,
        "uniqueIdentification": uid,
    }
