"""Every interface string is translated into the six languages; dates and numbers follow the
page language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import bch.sources
import bch.web
from bch.records.languages import LANGUAGES
from bch.web import i18n

WEB = Path(bch.web.__file__).parent
SOURCES = Path(bch.sources.__file__).parent
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> set[str]:
    """The interface strings of the current source (as pybabel extract finds them)."""
    found = set()
    for where in (WEB, SOURCES):  # the LMO page's matches fragment shares the catalogs
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(where),
            METHOD_MAP,
            OPTIONS,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2)},
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def strings() -> set[str]:
    found = extracted()
    assert len(found) > 150  # the extraction itself works
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete(strings, lang):
    with (WEB / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    messages = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog if m.id}
    missing = sorted(s for s in strings if s not in messages)
    assert not missing, (
        f"{lang}: not in the catalog (run scripts/update-translations.sh): {missing}"
    )
    empty = []
    for key in strings:
        m = messages[key]
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if (
            m.fuzzy
            or not all(f and f.strip() for f in forms)
            or isinstance(m.id, tuple)
            and len(forms) != catalog.num_plurals
        ):
            empty.append(key)
    assert not empty, f"{lang}: empty, fuzzy or incomplete translations: {sorted(empty)}"


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != "en"])
def test_translations_keep_placeholders(lang):
    with (WEB / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    import re

    with_placeholders = 0
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        wanted = set(re.findall(r"%\(\w+\)s", ids[-1]))
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        # Arabic singular/dual forms may spell the number out; every other form keeps it
        checked = forms[3:] if lang == "ar" and isinstance(m.id, tuple) else forms
        for form in checked:
            assert set(re.findall(r"%\(\w+\)s", form)) == wanted, (lang, m.id, form)
        with_placeholders += bool(wanted)
    assert with_placeholders > 5  # the catalog was read and has messages to check


def test_gettext_switches_with_the_page_language():
    i18n.current_language.set("fr")
    assert i18n.gettext("Search") == "Rechercher"
    assert i18n.ngettext("%(num)s record", "%(num)s records", 2) == "%(num)s fiches"
    i18n.current_language.set("ru")
    assert i18n.ngettext("%(num)s record", "%(num)s records", 5) == "%(num)s записей"
    assert i18n.ngettext("%(num)s record", "%(num)s records", 21) == "%(num)s запись"
    i18n.current_language.set("en")
    assert i18n.gettext("Search") == "Search"


def test_dates_and_numbers_per_locale():
    i18n.current_language.set("fr")
    assert i18n.fmt_number(12345) == "12\u202f345"
    assert i18n.fmt_date("1997-09-12") == "12 sept. 1997"
    i18n.current_language.set("en")
    assert i18n.fmt_number(12345) == "12,345"
    assert i18n.fmt_date("1997-09-12") == "Sep 12, 1997"
    i18n.current_language.set("zh")
    assert i18n.fmt_date("1997-09-12") == "1997年9月12日"
    assert i18n.fmt_date("not a date") == "not a date"
    i18n.current_language.set("en")


def test_formats_kept_per_value_follow_the_time_zone():
    """Dates are formatted once per value and language; an equal instant in another time zone
    is another value (it shows another time)."""
    noon = datetime(2020, 1, 1, 12, tzinfo=UTC)
    i18n.current_language.set("en")
    assert "12:00:00" in i18n.fmt_date(noon)
    assert "5:00:00" in i18n.fmt_date(noon.astimezone(timezone(timedelta(hours=5))))
    assert "12:00:00" in i18n.fmt_date(noon)


def test_accept_language_negotiation():
    assert i18n.negotiate(None) == "en"
    assert i18n.negotiate("ru-RU,ru;q=0.9") == "ru"
    assert i18n.negotiate("de-DE,ar;q=0.5") == "ar"
    assert i18n.negotiate("de-DE") == "en"
