"""Rich-text fields (FieldDef.rich lstrings) are sanitised on input with nh3 (Ammonia): no
script, style, event handler or javascript:/data: URL survives; plain text passes unchanged."""

from __future__ import annotations

from typing import Any

import nh3

from bch.records.fields import FieldDef, RecordType

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_SCHEMES = {"http", "https", "mailto"}


def clean_html(text: str) -> str:
    if "<" not in text and "&" not in text:
        return text
    return nh3.clean(text, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES)


def sanitise(rt: RecordType, document: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` whose rich-text values are sanitised (other values untouched)."""
    return _fields(rt.fields, document)


def _fields(fields: dict[str, FieldDef], doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    for key, f in fields.items():
        if key in out:
            out[key] = _value(f, out[key])
    return out


def _value(f: FieldDef, value: Any) -> Any:
    if f.many and isinstance(value, list):
        return [_one(f, v) for v in value]
    return _one(f, value)


def _one(f: FieldDef, value: Any) -> Any:
    if f.type == "object" and isinstance(value, dict):
        return _fields(f.fields or {}, value)
    if f.type == "lstring" and f.rich and isinstance(value, dict):
        return {k: clean_html(v) if isinstance(v, str) else v for k, v in value.items()}
    return value
