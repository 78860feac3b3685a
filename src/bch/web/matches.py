"""HTML fragment of the LMO page's "matching records from external databases" control.

``GET /{lang}/lmos/{uid}/matches`` renders the fragment (web/templates/sources/matches.html,
with the one environment of bch.web.render) when fetched by
the page's script (header ``HX-Request: true``), and a small standalone page otherwise.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

import bch.web  # noqa: F401  (registers the {lang:lang} path convertor)
from bch.api.sources import split_sources
from bch.records.countries import country
from bch.services.errors import ServiceError
from bch.services.matches import detection_methods
from bch.web import i18n, labels
from bch.web.render import render, safe_url

router = APIRouter(include_in_schema=False)
__all__ = ["router", "safe_url"]


def _country_name(code: str, lang: str) -> str:
    found = country(code) if len(code) == 2 else None
    return (found.name.get(lang) or found.name["en"]) if found else code


def _title(lmo: dict | None, lang: str) -> str:
    title = (lmo or {}).get("title") or {}
    return title.get(lang) or title.get("en") or next(iter(title.values()), "")


@router.get("/{lang:lang}/lmos/{uid}/matches", response_class=HTMLResponse)
async def matches_fragment(
    request: Request, lang: str, uid: str, sources: str | None = None, methods: bool = True
):
    """`methods=false`: without the detection methods (the LMO page shows them itself)."""
    svc = request.app.state.services
    with_methods = methods
    try:
        data = await svc.matches.matches(uid, split_sources(sources))
        methods = (
            detection_methods(svc.matches, data["uniqueIdentification"]) if with_methods else None
        )
        error = None
    except ServiceError as exc:
        data, methods, error = None, None, exc
    i18n.current_language.set(lang)
    html = render(
        "sources/matches.html",
        with_methods=with_methods,
        labels=labels.external_labels(),
        status_labels=labels.status_labels(),
        source_title=lambda name: labels.source_title(
            name, {s["name"]: s["title"] for s in (data or {}).get("sources", [])}
        ),
        fmt_date=i18n.fmt_date,
        lang=lang,
        data=data,
        methods=methods,
        error=error,
        country_name=lambda c: _country_name(c, lang),
        title=_title(data["lmo"], lang) if data else "",
        quote=quote,
        standalone=request.headers.get("HX-Request") != "true",
    )
    return HTMLResponse(html, status_code=error.status if error else 200)
