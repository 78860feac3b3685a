"""The plug-in contract of an external LMO database: what it is, how its records are addressed,
what it can answer, the records it returns and the typed errors a lookup can end with."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from bch.records.countries import countries

if TYPE_CHECKING:
    from bch.sources.http import SourceHttp

# What a source can answer (a source declares a subset).
APPROVALS = "approvals"  # country approvals per use, with dates
NAMES = "names"  # event / trade names, UIDs
METHODS = "detectionMethods"
REFERENCE_MATERIALS = "referenceMaterials"

# Normalised uses, shared by every source and by the comparison with BCH decision scopes.
USES = ("food", "feed", "processing", "cultivation", "import", "other")


class SourceError(Exception):
    """A lookup in an external database failed; `status` is what the page shows."""

    status = "error"

    def __init__(self, source: str, message: str):
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


class SourceTimeout(SourceError):
    status = "timeout"


class SourceUnavailable(SourceError):
    """The server answered with an error status (5xx), refused the connection, or the circuit
    breaker is open after repeated failures."""


class SourceParseError(SourceError):
    """The page does not have the structure the adapter knows (garbage, a changed layout)."""


class NotAvailableOffline(SourceError):
    status = "offline"


@dataclass
class Approval:
    """One approval of an LMO by one country for one use, as a source states it."""

    country: str  # ISO 3166 alpha-2, or EU; the source's own name when unknown
    use: str  # one of USES
    date: str | None = None  # ISO date (YYYY-MM-DD) or year (YYYY)
    detail: str = ""  # the source's own words (authority, document, note)
    status: str = "approved"


@dataclass
class SourceRecord:
    """A record of an external database that matches an LMO."""

    source: str
    record_id: str  # the key the source addresses the record by
    url: str | None
    name: str
    uid: str | None = None  # the UID as the source writes it
    uid_key: str | None = None  # bch.records.oecd_uid key (order-independent)
    relation: str = "exact"  # exact | component (of the stack asked for) | stack (containing it)
    trade_names: list[str] = field(default_factory=list)
    crop: str | None = None
    developer: str | None = None
    approvals: list[Approval] = field(default_factory=list)
    methods: list[dict[str, Any]] = field(default_factory=list)
    reference_materials: list[str] = field(default_factory=list)
    updated: str | None = None  # "last updated" date printed by the source, if any

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceRecord:
        data = dict(data)
        data["approvals"] = [Approval(**a) for a in data.get("approvals") or []]
        return cls(**data)


@dataclass(frozen=True)
class Target:
    """What is looked up: an LMO by UID key, with the names and source ids known for it."""

    uid_key: str
    canonical_uid: str
    component_keys: tuple[str, ...] = ()
    event_names: tuple[str, ...] = ()
    source_ids: dict[str, str] = field(default_factory=dict, hash=False)  # e.g. isaaa -> "85"

    @property
    def is_stack(self) -> bool:
        return len(self.component_keys) > 1


class Source:
    """One external database. Subclasses set the class attributes and implement `fetch`."""

    name: ClassVar[str]  # registry key, e.g. "isaaa"
    title: ClassVar[str]
    home: ClassVar[str]  # default base URL (overridable in configuration)
    addressing: ClassVar[str]  # how a record is addressed, for humans
    capabilities: ClassVar[frozenset[str]]
    believed_alive: ClassVar[bool] = True

    def record_url(self, base_url: str, record_id: str) -> str:
        raise NotImplementedError

    async def fetch(self, http: SourceHttp, base_url: str, target: Target) -> list[SourceRecord]:
        """Look the target up on the live site; raise a SourceError subclass on failure."""
        raise NotImplementedError

    async def crawl(self, http: SourceHttp, base_url: str, progress=None) -> list[SourceRecord]:
        """Every record of the source (for `bch sources refresh`); not every source can."""
        raise SourceError(self.name, "this source has no listing to re-read")

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "home": self.home,
            "addressing": self.addressing,
            "capabilities": sorted(self.capabilities),
            "believedAlive": self.believed_alive,
        }


# -- small helpers shared by the adapters ------------------------------------------------------

_COUNTRY_ALIASES = {
    # UN names (the BCH national focal point list, issue 16)
    "micronesia (federated states of)": "FM",
    "republic of moldova": "MD",
    "united kingdom of great britain and northern ireland": "GB",
    "united states of america": "US",
    "usa": "US",
    "republic of korea": "KR",
    "korea": "KR",
    "south korea": "KR",
    "european union": "EU",
    "eu": "EU",
    "russia": "RU",
    "iran": "IR",
    "taiwan": "TW",
    "vietnam": "VN",
    "viet nam": "VN",
    "bolivia": "BO",
    "turkey": "TR",
}


@cache
def _country_names() -> dict[str, str]:
    out = {c.name["en"].casefold(): c.code for c in countries()}
    out.update(_COUNTRY_ALIASES)
    return out


def country_code(name: str) -> str:
    """ISO code of a country name as sources print it; the name itself when unknown."""
    text = " ".join((name or "").split()).strip(" :,")
    return _country_names().get(text.casefold(), text)


_USE_WORDS = (
    ("cultivation", "cultivation"),
    ("environment", "cultivation"),
    ("commercial release", "cultivation"),
    ("import", "import"),
    ("processing", "processing"),
    ("food", "food"),
    ("feed", "feed"),
)


def uses_of(text: str) -> list[str]:
    """Normalised uses named in a source's free text (``Food and Feed`` -> [food, feed])."""
    low = (text or "").casefold()
    found = [use for word, use in _USE_WORDS if word in low]
    return list(dict.fromkeys(found)) or (["other"] if low.strip() else [])


_YEAR = re.compile(r"\b(19|20)\d{2}\b")


def year_of(text: str) -> str | None:
    m = _YEAR.search(text or "")
    return m.group(0) if m else None
