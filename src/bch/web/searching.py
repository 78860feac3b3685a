"""Search for the pages: a thin adapter over the search service (bch.services.search)."""

from __future__ import annotations

from bch.services.container import Services
from bch.services.policy import ANONYMOUS, Principal
from bch.services.search import SearchQuery, SearchResult

#: facets offered on the search page, in display order (field names of the search service)
FACETS = (
    "schema",
    "country",
    "region",
    "decisionType",
    "decisionResult",
    "trait",
    "organism",
)
SORTS = ("relevance", "-updatedAt", "title")


def search(
    svc: Services,
    q: str,
    filters: dict[str, list[str]],
    *,
    cursor: str | None,
    limit: int,
    lang: str,
    sort: str | None = None,
    principal: Principal = ANONYMOUS,
) -> SearchResult:
    if sort not in SORTS or (sort == "relevance" and not q.strip()):
        sort = "relevance" if q.strip() else "-updatedAt"
    return svc.search.search(
        SearchQuery(
            q=q or None,
            filters={k: v for k, v in filters.items() if v},
            facets=list(FACETS),
            sort=sort,
            cursor=cursor or None,
            limit=limit,
            lang=lang,
            include_total=True,
            principal=principal,
        )
    )
