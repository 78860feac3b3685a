"""Countries: the ISO 3166-1 alpha-2 codes plus the European Union, named in the six UN languages.

Names come from the Unicode CLDR data shipped with Babel (``Locale.territories``). CLDR lists
more region codes than ISO 3166-1: numeric UN M.49 regions (``001``, ``419`` ...) are dropped by
keeping two-letter codes only, and :data:`NON_ISO_CODES` removes CLDR's exceptionally reserved,
user-assigned and private-use codes, leaving exactly the 249 ISO 3166-1 codes. The European Union
(``EU``, an exceptionally reserved code) is added back as a regional economic integration
organization: it is a Party to the Cartagena Protocol and publishes decisions in the BCH.

Note: CLDR gives common short names (e.g. "Bolivia", "Taiwan"), not the formal UN names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from babel import Locale

from bch.records.languages import LANGUAGES

__all__ = [
    "COUNTRIES_DOMAIN_TITLE",
    "NON_ISO_CODES",
    "REGIONAL_ORGANIZATIONS",
    "Country",
    "countries",
    "country",
    "is_country",
]

#: CLDR two-letter region codes that are not ISO 3166-1 country codes.
NON_ISO_CODES = frozenset(
    {
        "AC",  # Ascension Island (exceptionally reserved; ISO: part of SH)
        "CP",  # Clipperton Island (exceptionally reserved)
        "CQ",  # Sark (exceptionally reserved)
        "DG",  # Diego Garcia (exceptionally reserved; ISO: part of IO)
        "EA",  # Ceuta and Melilla (exceptionally reserved)
        "EU",  # European Union (exceptionally reserved; added separately below)
        "EZ",  # Eurozone (exceptionally reserved)
        "IC",  # Canary Islands (exceptionally reserved)
        "QO",  # Outlying Oceania (CLDR private use)
        "TA",  # Tristan da Cunha (exceptionally reserved; ISO: part of SH)
        "UN",  # United Nations (exceptionally reserved)
        "XA",  # pseudo-accents (CLDR private use)
        "XB",  # pseudo-bidi (CLDR private use)
        "XK",  # Kosovo (user-assigned, not in ISO 3166-1)
        "ZZ",  # unknown region (CLDR private use)
    }
)

#: Regional economic integration organizations listed with the countries.
REGIONAL_ORGANIZATIONS = frozenset({"EU"})

COUNTRIES_DOMAIN_TITLE: dict[str, str] = {
    "ar": "البلدان",
    "en": "Countries",
    "es": "Países",
    "fr": "Pays",
    "ru": "Страны",
    "zh": "国家",
}

_ALPHA2 = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Country:
    code: str
    name: dict[str, str] = field(hash=False)
    is_region_of_integration: bool = False


@cache
def _all() -> tuple[Country, ...]:
    locales = {lang: Locale.parse(lang) for lang in LANGUAGES}
    codes = {
        code
        for code in locales["en"].territories
        if _ALPHA2.match(code) and code not in NON_ISO_CODES
    }
    codes |= REGIONAL_ORGANIZATIONS
    return tuple(
        Country(
            code=code,
            name={lang: locale.territories[code] for lang, locale in locales.items()},
            is_region_of_integration=code in REGIONAL_ORGANIZATIONS,
        )
        for code in sorted(codes)
    )


@cache
def _by_code() -> dict[str, Country]:
    return {c.code: c for c in _all()}


def countries() -> list[Country]:
    """All countries (and the EU), sorted by code."""
    return list(_all())


def country(code: str) -> Country | None:
    """The country with this ISO 3166-1 alpha-2 code (case-insensitive), or ``EU``."""
    return _by_code().get(code.strip().upper()) if isinstance(code, str) else None


def is_country(code: str) -> bool:
    return country(code) is not None
