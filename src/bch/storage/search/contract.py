"""The search contract: what every search engine takes and gives back.

A `SearchRequest` is the caller's read scope, filters, query words, facets to count, an order
and a position; a `SearchBackend` answers it with `SearchHits`: the page's records, the
position after the page (or None), the total when asked, the facet counts, and the names of
the facets whose count ran out of its time budget. Two engines implement it as equal peers:
`bch.storage.search.sql.SqlSearch` (the database's full-text and facet rows) and
`bch.storage.search.bitmaps.BitmapSearch` (the in-memory index); they return the same pages
(tests/services/test_search_contract.py).

One definition of relevance, implemented by both engines: every hit contains every query word
somewhere (its texts); hits are ordered by *tier*, the number of query words its display title
does not match (0 first; `bch.storage.text_tokens.title_tier`), ties in id order. Tiers are
small integers, so a cursor (tier, id) stays valid while records are written."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bch.storage.rows import DocumentRow
from bch.storage.scope import EVERYTHING, ReadScope

FACET_SIZE = 100  # values per facet, most frequent first
FACET_BUDGET = 1.0  # seconds for each facet's count (and for the total)
SORTS = ("id", "updatedAt", "title", "relevance")
MAX_TIER = 64  # tiers are 0..MAX_TIER (a query has at most 16 words)


@dataclass(frozen=True)
class Filter:
    """One checked filter. kind: column (realm, schema, country: document columns), facet (a
        record_facets field), range (decisionDate*/updated* bounds, value YYYY-MM-DD), lmoUid
        (OECD UID keys), detection (true/false), ids (record ids: a candidate list), identifier
        (header identifiers), date (a column range, see DateRange), title (words, each matched as a
    query word in the display titles only: a record whose title matches any of them),
    titleWords (stored: a language; exact words of the display title in that language, as
    bch.storage.text_tokens.title_word_rows writes them: a record whose title holds any),
    titlePairs (the same for adjacent word pairs "word1 word2", and for words the title holds
    twice or more: "word") and titlePrefix (the same for
    words starting with one of the values)."""

    kind: str
    name: str  # as the client wrote it (range filters: decisionDateFrom, updatedTo, ...)
    stored: str  # the indexed field (aliases applied)
    values: tuple[Any, ...]


@dataclass(frozen=True)
class DateRange:
    """Bounds on a document date column (updated_at or created_at), compared in whole seconds
    UTC (the v2013 index's precision); None = open."""

    lower: datetime | None = None
    upper: datetime | None = None
    include_lower: bool = True
    include_upper: bool = True


@dataclass(frozen=True)
class After:
    """Where the previous page ended: the sort key of its last record (tier for relevance,
    datetime for updatedAt, text for title, None for id) and its id."""

    id: int
    key: Any = None


@dataclass(frozen=True)
class SearchRequest:
    scope: ReadScope = EVERYTHING
    filters: tuple[Filter, ...] = ()
    q: str = ""  # the words (bch.storage.text_tokens); "" = no text condition
    facets: tuple[str, ...] = ()  # stored names (aliases applied)
    sort: str = "id"  # one of SORTS
    descending: bool = False
    after: After | None = None
    limit: int = 50
    include_total: bool = False
    facet_budget: float = FACET_BUDGET


@dataclass
class SearchHits:
    items: list[DocumentRow]
    after: After | None  # position after the page, None when it is the last
    total: int | None
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    timed_out: list[str] = field(default_factory=list)  # facets (and "total") out of budget
    engine: str = ""  # the name of the engine that answered (cursors are tagged with it)


class SearchBackend(ABC):
    """A search engine. `name` tags the cursors it issues (for diagnostics: the engines give
    the same orders, so a cursor of one is valid in the other)."""

    name: str = ""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchHits:
        """The page, total and facet counts of `request` (facets of `request.facets` only)."""

    def ordered_ids(
        self, request: SearchRequest, order: list[tuple[str, bool]], start: int, rows: int
    ) -> tuple[int, list[DocumentRow]]:
        """(number of hits, the hits from `start`, `rows` of them) in a column order: pairs of
        (column, descending) with columns identifier, schema, updated, created, revision
        (dates in whole seconds); ties in id order. For surfaces that page by offset (v2013)."""
        raise NotImplementedError
