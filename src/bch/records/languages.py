"""The six UN languages and language maps ("lstrings")."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES: tuple[str, ...] = ("ar", "en", "es", "fr", "ru", "zh")
RTL_LANGUAGES = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"


def display(value: Mapping[str, str] | str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """Text of a language map in `lang`, falling back to English, then the first non-empty value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    for candidate in (lang, DEFAULT_LANGUAGE):
        text = value.get(candidate)
        if text:
            return text
    for lang_code in LANGUAGES:
        if value.get(lang_code):
            return value[lang_code]
    return next((v for v in value.values() if v), "")


def lstring(text: str, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    return {lang: text}
