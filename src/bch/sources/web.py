"""HTML fragment of the LMO page's "matching records from external databases" control.

``GET /{lang}/lmos/{uid}/matches`` renders the fragment (templates/matches.html) when fetched by
the page's script (header ``HX-Request: true``), and a small standalone page otherwise.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

import bch.web  # noqa: F401  (registers the {lang:lang} path convertor)
from bch.api.sources import split_sources
from bch.records.countries import country
from bch.services.errors import ServiceError
from bch.services.matches import detection_methods
from bch.web import i18n, labels

router = APIRouter(include_in_schema=False)
_env = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)
# the interface strings come from the web pages' gettext catalogs (scripts/update-translations.sh)
_env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


def safe_url(url: str | None) -> str:
    """Links taken from external pages are shown only when they are http(s)."""
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else "#"


_env.filters["safe_url"] = safe_url
_env.filters["source_title"] = lambda name: labels.source_title(name, {})


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
    html = _env.get_template("matches.html").render(
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
