"""Interface translations: gettext catalogs (Babel .po files) read at runtime, no compile step.

Catalogs live in web/locale/{lang}/LC_MESSAGES/messages.po; `pybabel extract -F babel.cfg`
collects the interface strings from the templates and Python modules. The current language is a
context variable set per request, so templates and helpers share one `_`."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache, lru_cache, wraps
from gettext import c2py
from pathlib import Path
from typing import TypeVar

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bch.records.languages import DEFAULT_LANGUAGE, LANGUAGES, RTL_LANGUAGES
from bch.records.languages import display as _display

LOCALE_DIR = Path(__file__).with_name("locale")
current_language: ContextVar[str] = ContextVar("bch_web_language", default=DEFAULT_LANGUAGE)
T = TypeVar("T")

#: each language named in itself, for the language switcher
LANGUAGE_NAMES = {
    "ar": "العربية",
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ru": "Русский",
    "zh": "中文",
}


@cache
def catalog(lang: str) -> Catalog:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


@cache
def _messages(lang: str) -> dict[str, str | tuple[str, ...]]:
    out: dict[str, str | tuple[str, ...]] = {}
    for msg in catalog(lang):
        if not msg.id or msg.fuzzy:
            continue
        key = msg.id[0] if isinstance(msg.id, tuple | list) else msg.id
        out[key] = tuple(msg.string) if isinstance(msg.string, tuple | list) else msg.string
    return out


def gettext(message: str, **variables: object) -> str:
    """The message in the current language; `variables` fill its %(name)s placeholders."""
    lang = current_language.get()
    found = _messages(lang).get(message) if lang != DEFAULT_LANGUAGE else None
    out = found if isinstance(found, str) and found else message
    return out % variables if variables else out


def ngettext(singular: str, plural: str, n: int) -> str:
    lang = current_language.get()
    found = _messages(lang).get(singular) if lang != DEFAULT_LANGUAGE else None
    if isinstance(found, tuple) and any(found):
        index = _plural_index(lang, n)
        return found[min(index, len(found) - 1)] or found[0]
    return singular if n == 1 else plural


@cache
def _plural_rule(lang: str):
    """The catalog's C-style plural expression as a function (stdlib gettext's own parser)."""
    return c2py(catalog(lang).plural_expr)


def _plural_index(lang: str, n: int) -> int:
    return int(_plural_rule(lang)(n))


_ = gettext


def direction(lang: str) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def text(value, lang: str | None = None) -> str:
    """A language map in the page language (falls back to English, then the first)."""
    return _display(value, lang or current_language.get())


def per_language(build: Callable[[], T]) -> Callable[[], T]:
    """`build` (labels made with `_`, a function of the page language only) made once per
    language and shared: the callers read what it returns, never change it."""
    made: dict[str, T] = {}

    @wraps(build)
    def in_language() -> T:
        lang = current_language.get()
        found = made.get(lang)
        if found is None:
            found = made[lang] = build()
        return found

    return in_language


def fmt_number(n: int | float | None) -> str:
    if n is None:
        return ""
    return _number(n, current_language.get())


def fmt_date(value: str | date | datetime | None, fmt: str = "medium") -> str:
    """A date or timestamp in the page language; unparsable text is shown as is."""
    if value is None or value == "":
        return ""
    # equal instants in other time zones show other times: the zone is part of the key
    zone = value.tzinfo if isinstance(value, datetime) else None
    return _date(value, zone, fmt, current_language.get())


# Formatted once per value and language (issue 15: a search page formats some forty counts and
# twenty dates, each a few locale look-ups in Babel): pure functions of their arguments.
@lru_cache(maxsize=8192)
def _number(n: int | float, lang: str) -> str:
    return format_decimal(n, locale=lang)


@lru_cache(maxsize=8192)
def _date(value: str | date | datetime, _zone: object, fmt: str, lang: str) -> str:
    try:
        if isinstance(value, datetime):
            return format_datetime(value, format=fmt, locale=lang)
        if isinstance(value, date):
            return format_date(value, format=fmt, locale=lang)
        if "T" in value:
            return format_datetime(
                datetime.fromisoformat(value.replace("Z", "+00:00")), format=fmt, locale=lang
            )
        return format_date(date.fromisoformat(value[:10]), format=fmt, locale=lang)
    except (ValueError, TypeError):
        return str(value)


def negotiate(accept_language: str | None) -> str:
    """The best of the six languages for an Accept-Language header (English by default)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    choice = Locale.negotiate(
        [p.split(";")[0].strip().replace("-", "_") for p in accept_language.split(",") if p],
        list(LANGUAGES),
        sep="_",
    )
    if choice:
        return str(choice).split("_")[0]
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
