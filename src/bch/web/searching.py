"""Search for the pages: a thin adapter over the search service (bch.services.search): the
filters the page honours, numbered pages over the service's keyset cursors, the date a person
expects next to each hit, and "download these results" (CSV, XLSX, NDJSON)."""

from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator

import orjson
from fastapi import Request
from starlette.datastructures import QueryParams

from bch.services.container import Services
from bch.services.policy import ANONYMOUS, Principal
from bch.services.search import MAX_LIMIT, SearchQuery, SearchResult
from bch.storage.rows import DocumentRow
from bch.web import i18n
from bch.web.common import latest_bodies

#: facets offered on the search page, in display order (field names of the search service)
FACETS = (
    "realm",  # BCH or CHM: /{lang}/search?realm=CHM is the CHM realm's page
    "schema",
    "country",
    "region",
    "decisionType",
    "decisionResult",
    "trait",
    "organism",
)
#: filters of the API that the page honours without offering them as a facet list
EXTRA_FILTERS = ("lmoUid", "decisionDateFrom", "decisionDateTo")
SORTS = ("relevance", "-updatedAt", "title")
PAGE_SIZE = 20
MAX_DOWNLOAD = 10_000  # rows of one download
DOWNLOADS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ndjson": "application/x-ndjson",
}
#: the date shown for a record of each type: the decision's own date, not the import time
DATE_FIELDS = {
    "biosafetyDecision": "date",
    "nationalRiskAssessment": "date",
    "independentRiskAssessment": "date",
}


KEPT_PAGES = 256  # rendered search pages kept per application (KeptPages)


class KeptPages:
    """Rendered search pages of anonymous visitors, kept while the search service gives the same
    answer (issue 15 item 5: rendering is most of a search page's cost). The service keeps an
    answer while its hits are the same unchanged records (storage/search/bitmaps.KeptAnswers)
    and gives the same object again, so a page is given again when its answer is that object
    and the rest of what it shows is the same: the URL (language, words, filters, sort, page),
    the main menu's record types and the organisms named in the facets (their revisions)."""

    def __init__(self, size: int = KEPT_PAGES):
        self.size = size
        self._items: OrderedDict[Hashable, tuple[object, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, answer: object) -> bytes | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] is not answer:
                return None
            self._items.move_to_end(key)
            return item[1]

    def keep(self, key: Hashable, answer: object, body: bytes) -> None:
        with self._lock:
            self._items[key] = (answer, body)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def kept_pages(request: Request) -> KeptPages | None:
    """The application's kept search pages, or None when this request's page may be personal
    (a cookie or an Authorization header: a session, a signed-in visitor, a CSRF token) or
    changes by itself (a national node's sync banner)."""
    state = request.app.state
    if request.cookies or "authorization" in request.headers or getattr(state, "node_mode", 0):
        return None
    kept = getattr(state, "kept_search_pages", None)
    if kept is None:
        kept = state.kept_search_pages = KeptPages()
    return kept


def filters_from(params: QueryParams) -> dict[str, list[str]]:
    return {
        name: [v for v in params.getlist(name) if v]
        for name in (*FACETS, *EXTRA_FILTERS)
        if any(params.getlist(name))
    }


def _sort(q: str, sort: str | None) -> str:
    if sort not in SORTS or (sort == "relevance" and not q.strip()):
        return "relevance" if q.strip() else "-updatedAt"
    return sort


def _query(q, filters, sort, lang, principal, **more) -> SearchQuery:
    return SearchQuery(
        q=q or None,
        filters={k: v for k, v in filters.items() if v},
        sort=_sort(q, sort),
        lang=lang,
        principal=principal,
        **more,
    )


def search(
    svc: Services,
    q: str,
    filters: dict[str, list[str]],
    *,
    cursor: str | None = None,
    page_no: int = 1,
    limit: int = PAGE_SIZE,
    lang: str,
    sort: str | None = None,
    principal: Principal = ANONYMOUS,
) -> SearchResult:
    """One page of results with facet counts and the total. `page_no` > 1 walks the keyset
    cursors up to that page (in steps of up to MAX_LIMIT hits, without facets)."""
    skip = (page_no - 1) * limit if cursor is None else 0
    while skip > 0:
        step = svc.search.search(
            _query(q, filters, sort, lang, principal, cursor=cursor, limit=min(skip, MAX_LIMIT))
        )
        skip -= len(step.items)
        cursor = step.next
        if not cursor:
            break
    return svc.search.search(
        _query(
            q,
            filters,
            sort,
            lang,
            principal,
            facets=list(FACETS),
            cursor=cursor,
            limit=limit,
            include_total=True,
        )
    )


def all_hits(
    svc: Services, q: str, filters: dict[str, list[str]], lang: str, sort, principal
) -> list[DocumentRow]:
    """Every hit of the search, in page order, up to MAX_DOWNLOAD."""
    out: list[DocumentRow] = []
    cursor = None
    while len(out) < MAX_DOWNLOAD:
        r = svc.search.search(
            _query(q, filters, sort, lang, principal, cursor=cursor, limit=MAX_LIMIT)
        )
        out.extend(r.items)
        cursor = r.next
        if not cursor:
            break
    return out[:MAX_DOWNLOAD]


def hit_dates(svc: Services, items: list[DocumentRow], principal: Principal) -> dict[int, str]:
    """Record id -> the date a person expects (a decision's date), for the types that have one."""
    dated = [d for d in items if d.schema in DATE_FIELDS]
    if not dated:
        return {}
    bodies = latest_bodies(svc, dated, principal)
    out = {}
    for d in dated:
        value = bodies.get(d.id, {}).get(DATE_FIELDS[d.schema])
        if isinstance(value, str) and value:
            out[d.id] = value[:10]
    return out


def pages_around(current: int, last: int, width: int = 2) -> list[int | None]:
    """Page numbers to show: the first, the last and `width` around the current one; None is a
    gap (…)."""
    shown = sorted({1, last, *range(max(1, current - width), min(last, current + width) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def download(
    svc: Services,
    fmt: str,
    hits: list[DocumentRow],
    types: dict[str, str],
    headers: list[str],
    principal: Principal,
    public: str,
) -> tuple[bytes | Iterator[bytes], str]:
    """The hits as CSV or XLSX (one row per record, in the page language) or NDJSON (one record
    summary with its document per line). Returns (content, file extension)."""
    bodies = latest_bodies(svc, hits, principal)
    dates = hit_dates(svc, hits, principal)
    if fmt == "ndjson":

        def lines() -> Iterator[bytes]:
            for d in hits:
                yield (
                    orjson.dumps(
                        {
                            "id": f"{d.uid_base}-{d.latest_revision}",
                            "identifier": d.identifier,
                            "schema": d.schema,
                            "country": None if d.owner == "SCBD" else d.owner,
                            "title": d.title,
                            "date": dates.get(d.id),
                            "updatedAt": d.updated_at.isoformat() if d.updated_at else None,
                            "url": f"{public}/api/v1/records/{d.uid_base}",
                            "document": bodies.get(d.id),
                        }
                    )
                    + b"\n"
                )

        return lines(), "ndjson"
    from bch.web.render import country_name

    rows = [
        [
            f"{d.uid_base}-{d.latest_revision}",
            types.get(d.schema, d.schema),
            i18n.text(d.title),
            "" if d.owner == "SCBD" else country_name(d.owner),
            dates.get(d.id, ""),
            d.updated_at.date().isoformat() if d.updated_at else "",
            f"{public}/{i18n.current_language.get()}/records/{d.uid_base}",
        ]
        for d in hits
    ]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(headers)
        writer.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), "csv"
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_urls": False})
    sheet = book.add_worksheet("search")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, headers, bold)
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue(), "xlsx"


def facet_note(values: dict[str, list[str]]) -> bool:
    """True when one facet has several values selected (they are ORed)."""
    return any(len(v) > 1 for v in values.values())


def download_names() -> dict[str, str]:
    return {"csv": "CSV", "xlsx": "XLSX", "ndjson": "NDJSON"}
