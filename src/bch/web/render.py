"""The one Jinja2 environment of all HTML the application writes, and the helpers that render
with it: the web pages (templates/*.html, `page`), the embeds (templates/embeds/, `render`,
bch.api.embeds) and the external sources' fragment (templates/sources/, bch.web.matches)."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from markupsafe import Markup

from bch.records.countries import country
from bch.records.languages import LANGUAGES
from bch.services.read_cache import untracked_menu
from bch.web import i18n, labels

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


def safe_url(url: str | None) -> str:
    """Links taken from external pages are shown only when they are http(s)."""
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else "#"


def country_name(code: str | None) -> str:
    if not code:
        return ""
    if not isinstance(code, str):
        found = country(code)
        return i18n.text(found.name) if found else code
    return _country_name(code, i18n.current_language.get())


@lru_cache(maxsize=4096)
def _country_name(code: str, lang: str) -> str:
    """A country's name in `lang` (a page names each of about 180 countries on its world map)."""
    found = country(code)
    return i18n.text(found.name, lang) if found else code


def lang_url(request: Request, lang: str) -> str:
    """The same page in another language: the first path segment swapped."""
    parts = request.url.path.split("/", 2)
    rest = parts[2] if len(parts) > 2 else ""
    url = f"/{lang}/{rest}"
    return url + (f"?{request.url.query}" if request.url.query else "")


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # the templates ship with the package: compiled once per process, never looked at on
        # disk again (a stat of each template of a page per render, ~7 for the LMO page)
        auto_reload=False,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    # what the extension's newstyle `_` does, in one call instead of three (a page has ~100)
    env.globals.update(_=_gettext, gettext=_gettext)
    env.globals.update(
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        text=i18n.text,
        fmt_date=i18n.fmt_date,
        fmt_number=i18n.fmt_number,
        country_name=country_name,
        urlencode=urlencode,
    )
    env.filters["q"] = lambda s: quote(str(s), safe="")
    env.filters["safe_url"] = safe_url
    env.filters["source_title"] = lambda name: labels.source_title(name, {})
    return env


@pass_eval_context
def _gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    """Jinja's newstyle gettext: the message in the page language, always formatted with
    `variables` (escaped where the template autoescapes)."""
    out = i18n.gettext(message)
    if eval_ctx.autoescape:
        out = Markup(out)
    # formatting without variables changes only a message with a "%" ("%%" is "%")
    return out % variables if variables or "%" in out else out


def render(template: str, **context: Any) -> str:
    """A template rendered with the one environment (no request: embeds, fragments)."""
    return environment().get_template(template).render(**context)


def menu_schemas(request: Request) -> frozenset[str] | None:
    """The record types with public records (the main menu leaves out empty registries), None
    without services; counted again only when the change sequence moved (the count is kept on
    the application; the read caches' look-up at the latest change says whether it moved, at a
    tenth of the cost of a query through a pooled connection)."""
    svc = getattr(request.app.state, "services", None)
    if svc is None:
        return None
    seq = svc.change_follower.poll()
    cached = getattr(request.app.state, "menu_schemas", None)
    if cached is None or cached[0] != seq:
        counts = svc.records.counts_by_schema()
        cached = (seq, frozenset(s for s, n in counts.items() if n))
        request.app.state.menu_schemas = cached
    return cached[1]


def _has_records(request: Request, schema: str) -> bool:
    """Whether any public record of `schema` exists (menu_schemas; True without services)."""
    # a cached page depends on the menu's record types, not on every record they count
    schemas = untracked_menu(lambda: menu_schemas(request))
    return schemas is None or schema in schemas


def _node_banner(request: Request) -> dict[str, Any] | None:
    """A national node's sync state for the banner on every page (None on a central)."""
    svc = getattr(request.app.state, "services", None)
    if svc is None or not getattr(request.app.state, "node_mode", False):
        return None
    return svc.node.status()


def _session_csrf(request: Request) -> str:
    from bch.api.identity import session_of  # the web session of the accounts layer

    try:
        session = session_of(request)
    except Exception:  # noqa: BLE001 - an unreadable session shows the page signed out
        return ""
    return session.csrf if session else ""


def _principal(request: Request):
    finder = getattr(request.app.state, "web_principal", None)
    try:
        return finder(request) if finder else None
    except Exception:  # noqa: BLE001 - an unreadable session shows the page signed out
        return None


def page(
    request: Request, lang: str, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    i18n.current_language.set(lang)
    html = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            dir=i18n.direction(lang),
            request=request,
            path=request.url.path,
            lang_url=lambda code: lang_url(request, code),
            has_records=lambda schema: _has_records(request, schema),
            session_csrf=lambda: _session_csrf(request),
            node_banner=lambda: _node_banner(request),
            principal=context.pop("principal", None) or _principal(request),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)
