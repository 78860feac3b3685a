"""Read pages: home, search, one page per record, revision history and differences."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from bch.api.params import RevisionQuery, query_number
from bch.records.oecd_uid import try_parse_uid
from bch.records.realms import UnknownSchema
from bch.services.errors import NotFound
from bch.services.policy import public_actor
from bch.services.records import RecordView
from bch.web import i18n, searching
from bch.web.common import (
    documents_by_identifiers,
    principal_of,
    services,
    web_page,
)
from bch.web.display import Displayer, Value, diff, referenced_identifiers
from bch.web.i18n import _
from bch.web.labels import (
    extra_filter_labels,
    facet_labels,
    region_labels,
    sort_labels,
    type_plural,
    type_titles,
)
from bch.web.render import country_name, menu_schemas, page
from bch.web.worldmap import sites_svg

router = APIRouter(include_in_schema=False)
PageNumber = query_number(1, 100_000)  # ?page_no=: past the last page shows the last


@router.get("/")
def root(request: Request) -> Response:
    lang = i18n.negotiate(request.headers.get("accept-language"))
    return RedirectResponse(f"/{lang}/", status_code=302)


@router.get("/{lang:lang}")
def lang_root(request: Request, lang: str) -> Response:
    return RedirectResponse(f"/{lang}/", status_code=301)


def newest_decisions(svc, principal, n: int = 8) -> list[dict[str, Any]]:
    """The home page's newest decisions (cached by the records service per change and reader)."""
    return svc.records.newest("biosafetyDecision", "date", n, principal)


@router.get("/{lang:lang}/")
@web_page
def home(request: Request, lang: str) -> Response:
    svc, principal = services(request), principal_of(request)
    counts = svc.records.counts_by_schema(principal)
    titles = type_plural(svc.registry)
    rows = sorted(
        ((s, titles.get(s, s), n) for s, n in counts.items()), key=lambda r: (-r[2], r[1])
    )
    return page(
        request,
        lang,
        "home.html",
        counts=rows,
        # one search page per realm (BCH, CHM): /{lang}/search?realm=CHM
        realms=[(code, i18n.text(r.title)) for code, r in svc.registry.realms.items()],
        decisions=newest_decisions(svc, principal),
        principal=principal,
    )


@router.get("/{lang:lang}/search")
@web_page
def search_page(
    request: Request,
    lang: str,
    q: str = "",
    cursor: str | None = None,
    sort: str | None = None,
    page_no: PageNumber = 1,
    format: str | None = None,
) -> Response:
    svc, principal = services(request), principal_of(request)
    filters = searching.filters_from(request.query_params)
    types = type_titles(svc.registry)

    def url(**change: Any) -> str:
        params: list[tuple[str, str]] = [("q", q)] if q else []
        if sort:
            params.append(("sort", sort))
        merged = {k: list(v) for k, v in filters.items()}
        merged.update({k: v for k, v in change.items() if k not in ("page_no", "format")})
        params += [(k, v) for k, vs in merged.items() for v in vs]
        for key in ("page_no", "format"):
            if change.get(key) not in (None, 1):
                params.append((key, str(change[key])))
        return f"/{lang}/search" + (f"?{urlencode(params)}" if params else "")

    if format in searching.DOWNLOADS:
        return _download(request, svc, principal, lang, q, filters, sort, format, types)
    results = searching.search(
        svc, q, filters, cursor=cursor, page_no=page_no, lang=lang, sort=sort, principal=principal
    )
    total = results.total or 0
    last = max(1, -(-total // searching.PAGE_SIZE))
    if page_no > last and cursor is None:
        return RedirectResponse(url(page_no=last), status_code=302)
    flabels, regions = facet_labels(), region_labels()
    organisms = documents_by_identifiers(
        svc,
        {v for v, _n in results.facets.get("organism") or []} | set(filters.get("organism", [])),
    )
    kept = searching.kept_pages(request)
    if kept is not None:  # the same answer, URL, menu and organisms: the same page
        named = sorted((k, d.id, d.latest_revision) for k, d in organisms.items())
        key = (request.url.path, request.url.query, menu_schemas(request), tuple(named))
        if (body := kept.get(key, results.items)) is not None:
            return HTMLResponse(body)

    def value_label(facet: str, value: str) -> str:
        if facet == "realm" and value in svc.registry.realms:
            return i18n.text(svc.registry.realms[value].title)
        if facet == "schema":
            return types.get(value, value)
        if facet == "country":
            return _("Secretariat (reference records)") if value == "SCBD" else country_name(value)
        if facet == "region":
            return regions.get(value, value)
        if facet == "organism":
            return organism_label(svc, organisms.get(value)) or value
        if facet == "lmoUid":
            parsed = try_parse_uid(value)
            return parsed.canonical if parsed else value
        if facet.startswith("decisionDate"):
            return i18n.fmt_date(value)
        term = svc.thesaurus.term(value)
        return term.label(lang) if term else value

    facets = []
    for name in searching.FACETS:
        buckets = results.facets.get(name) or []
        if not buckets:
            continue
        active = set(filters.get(name, []))
        facets.append(
            {
                "name": name,
                "label": flabels[name],
                "ored": len(active) > 1,
                "buckets": [
                    {
                        "label": value_label(name, v),
                        "count": n,
                        "active": v in active,
                        "href": url(
                            **{name: [x for x in active if x != v] if v in active else [*active, v]}
                        ),
                    }
                    for v, n in buckets[:15]
                ],
            }
        )
    active = [
        {
            "facet": flabels.get(name) or extra_filter_labels().get(name, name),
            "values": [
                {
                    "label": value_label(name, v),
                    "remove": url(**{name: [x for x in values if x != v]}),
                }
                for v in values
            ],
        }
        for name, values in filters.items()
    ]
    response = page(
        request,
        lang,
        "search.html",
        q=q,
        filters=filters,
        follow=([("q", q)] if q else []) + [(k, v) for k, vs in filters.items() for v in vs],
        results=results,
        total=results.total,
        dates=searching.hit_dates(svc, results.items, principal),
        facets=facets,
        active=active,
        ored=searching.facet_note(filters),
        types=types,
        page_no=page_no,
        pages=searching.pages_around(page_no, last) if cursor is None else [],
        last_page=last,
        href=url,
        next_href=_next_href(url(), results.next) if cursor else None,
        permalink=svc.settings.public_url + url(page_no=page_no),
        downloads=searching.download_names(),
        sort=sort or "",
        sorts=sort_labels(),
        principal=principal,
    )
    if kept is not None and response.status_code == 200:
        kept.keep(key, results.items, bytes(response.body))
    return response


def _next_href(base: str, cursor: str | None) -> str | None:
    if not cursor:
        return None
    return base + ("&" if "?" in base else "?") + urlencode({"cursor": cursor})


def organism_label(svc, doc) -> str:
    """An organism as a person names it in the page language: "Maize (Zea mays)"."""
    if doc is None:
        return ""
    name = i18n.text(doc.title)
    term = svc.thesaurus.match("Crops", name) if name else None
    if term is None or term.domain != "Crops":
        return name
    return _("%(crop)s (%(name)s)", crop=term.label(i18n.current_language.get()), name=name)


def _download(request, svc, principal, lang, q, filters, sort, fmt, types) -> Response:
    hits = searching.all_hits(svc, q, filters, lang, sort, principal)
    headers = [
        _("Identifier"),
        _("Record type"),
        _("Title"),
        _("Country"),
        _("Date"),
        _("Updated"),
        _("Address"),
    ]
    content, ext = searching.download(
        svc, fmt, hits, types, headers, principal, svc.settings.public_url
    )
    disposition = {"Content-Disposition": f'attachment; filename="bch-search.{ext}"'}
    if isinstance(content, bytes):
        return Response(content, media_type=searching.DOWNLOADS[fmt], headers=disposition)
    return StreamingResponse(content, media_type=searching.DOWNLOADS[fmt], headers=disposition)


def _incoming(svc, lang: str, view: RecordView) -> list[dict[str, Any]]:
    plural = type_plural(svc.registry)
    groups: dict[str, list[Value]] = defaultdict(list)
    seen = set()
    for _field, doc in view.referenced_by:
        if doc.id in seen:
            continue
        seen.add(doc.id)
        title = i18n.text(doc.title) or doc.uid_base
        groups[doc.schema].append(Value(title, href=f"/{lang}/records/{doc.uid_base}"))
    return [{"title": plural.get(s, s), "items": items} for s, items in groups.items()]


def record_context(svc, lang: str, view: RecordView) -> tuple[dict[str, Any], Displayer]:
    rt = svc.registry.record_type(view.doc.schema, view.doc.realm)
    idents = referenced_identifiers(rt, view.document)
    displayer = Displayer(svc.thesaurus, documents_by_identifiers(svc, idents))
    owner = view.doc.owner
    ctx = {
        "title": i18n.text(view.doc.title) or view.uid,
        "type_title": i18n.text(rt.title),
        "owner_name": country_name(owner) if owner != "SCBD" else "",
        "uid": view.uid,
        "uid_base": view.doc.uid_base,
        "revision": view.revision.revision,
        "latest": view.doc.latest_revision,
        "published": view.revision.created_at,
        "fields": displayer.rows(rt, view.document),
        "incoming": _incoming(svc, lang, view),
    }
    return ctx, displayer


@router.get("/{lang:lang}/records/{ref}")
@web_page
def record_page(
    request: Request,
    lang: str,
    ref: str,
    revision: RevisionQuery | None = None,
    published: str | None = None,
) -> Response:
    svc, principal = services(request), principal_of(request)
    view = svc.records.get(ref, revision, principal=principal)
    pinned = (
        revision is not None
        or view.revision.revision != view.doc.latest_revision
        or published is not None  # the confirmation of a publish stays on this page
    )
    if view.doc.schema == "modifiedOrganism" and not pinned:
        parsed = try_parse_uid(str(view.document.get("uniqueIdentification") or ""))
        if parsed is not None:
            try:
                found = svc.lmos.find(parsed.canonical, principal)
            except NotFound:
                found = None
            if found is not None and found.record.doc.id == view.doc.id:
                return RedirectResponse(
                    f"/{lang}/lmos/{quote(parsed.canonical, safe='')}", status_code=302
                )
    ctx, _d = record_context(svc, lang, view)
    if view.doc.schema != "modifiedOrganism":  # the LMO page shows its sources per field
        ctx["sources"] = svc.lmos.sources_of(view.doc.identifier)
    sites = view.document.get("sites")
    if isinstance(sites, list) and view.doc.owner != "SCBD":
        ctx["sites_map"] = sites_svg(
            view.doc.owner,
            [s for s in sites if isinstance(s, dict)],
            _("Map of the sites"),
            _("approximate: a reference point of the source, not the site"),
        )
    return page(
        request,
        lang,
        "record.html",
        principal=principal,
        actions=svc.workflow.actions_on(principal, view.doc),
        just_published=published is not None,
        consultations=svc.consultations.for_decision(view.doc.uid_base),
        **ctx,
    )


@router.get("/{lang:lang}/records/{ref}/history")
@web_page
def history_page(request: Request, lang: str, ref: str) -> Response:
    svc = services(request)
    doc, revisions = svc.records.versions(ref, principal_of(request))
    try:
        type_title = i18n.text(svc.registry.record_type(doc.schema, doc.realm).title)
    except UnknownSchema:
        type_title = doc.schema
    rows = [
        {"revision": r.revision, "date": r.created_at, "by": public_actor(r.created_by)}
        for r in sorted(revisions, key=lambda r: -r.revision)
    ]
    return page(
        request,
        lang,
        "history.html",
        doc=doc,
        title=i18n.text(doc.title) or doc.uid_base,
        type_title=type_title,
        rows=rows,
        deleted=doc.deleted_at is not None,
        principal=principal_of(request),
    )


@router.get("/{lang:lang}/records/{ref}/diff")
@web_page
def diff_page(
    request: Request,
    lang: str,
    ref: str,
    from_: Annotated[RevisionQuery, Query(alias="from")],
    to: RevisionQuery,
) -> Response:
    svc, principal = services(request), principal_of(request)
    old = svc.records.get(ref, from_, principal=principal, with_links=False)
    new = svc.records.get(ref, to, principal=principal, with_links=False)
    rt = svc.registry.record_type(new.doc.schema, new.doc.realm)
    idents = referenced_identifiers(rt, old.document) | referenced_identifiers(rt, new.document)
    d = Displayer(svc.thesaurus, documents_by_identifiers(svc, idents))
    return page(
        request,
        lang,
        "diff.html",
        doc=new.doc,
        title=i18n.text(new.doc.title) or new.doc.uid_base,
        old=old,
        new=new,
        changes=diff(d, rt, old.document, new.document),
        principal=principal,
    )
