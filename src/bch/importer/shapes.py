"""Field value shapes of BCH record documents (header, lstring, term, reference, link)."""

from __future__ import annotations

from typing import Any

from bch.importer.ids import record_id
from bch.records.thesaurus import OTHER_TERM

OTHER = OTHER_TERM  # the shared "Other" term, used with a customValue


def document(schema: str, key: str, languages: tuple[str, ...] = ("en",)) -> dict[str, Any]:
    """A new record document whose header identifier derives from (schema, natural key)."""
    return {
        "header": {
            "identifier": record_id(schema, key),
            "schema": schema,
            "languages": list(languages),
        }
    }


def lstring(text: str | None, lang: str = "en") -> dict[str, str] | None:
    text = (text or "").strip()
    return {lang: text} if text else None


def term(identifier: str) -> dict[str, str]:
    return {"identifier": identifier}


def other(text: str) -> dict[str, Any]:
    return {"identifier": OTHER, "customValue": {"en": text}}


def ref(identifier: str) -> dict[str, str]:
    return {"identifier": identifier}


def link(url: str, name: str, *tags: str) -> dict[str, Any]:
    out: dict[str, Any] = {"url": url, "name": name}
    if tags:
        out["tags"] = list(tags)
    return out


def unique(items: list[Any]) -> list[Any]:
    """Drop repeated values (dicts compared by content), keeping the first occurrence."""
    seen: set[str] = set()
    out = []
    for item in items:
        marker = repr(sorted(item.items())) if isinstance(item, dict) else repr(item)
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


def put(doc: dict[str, Any], field: str, value: Any) -> None:
    """Set `field` unless the value is empty (absent data is omitted, never written as null)."""
    if value is None or value == "" or value == [] or value == {}:
        return
    doc[field] = value
