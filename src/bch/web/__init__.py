"""The web pages: server-rendered HTML in the six UN languages over the same services as the API."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from bch.records.languages import LANGUAGES


class LanguageConvertor(Convertor[str]):
    """Path segment that is one of the six UN language codes (so pages never shadow API routes)."""

    regex = "|".join(LANGUAGES)

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("lang", LanguageConvertor())
