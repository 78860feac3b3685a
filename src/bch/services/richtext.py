"""Rich-text fields (FieldDef.rich lstrings) hold HTML, sanitised once on the way in with nh3
(Ammonia) and stored sanitised: no script, style, event handler or javascript:/data: URL
survives. Pages render that HTML as HTML (`markup`, the only place stored text becomes Jinja
Markup); texts that are not HTML pages (embed excerpts, diffs, search, Dublin Core) use `as_text`.

`clean_html` is idempotent (cleaning sanitised HTML returns it unchanged), so `markup` cleaning it
once more changes nothing stored through the sanitiser and keeps rows stored before it inert."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import nh3
from markupsafe import Markup

from bch.records.fields import FieldDef, RecordType

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_SCHEMES = {"http", "https", "mailto"}
# where a block ends, the text gets a line break (else "<p>a</p><p>b</p>" would read "ab")
_BLOCK_END = re.compile(
    r"<(?:br|hr)\b[^>]*>|</(?:p|div|li|dd|dt|tr|td|th|h[1-6]|blockquote|pre)\s*>", re.IGNORECASE
)
_SPACES = re.compile(r"[ \t\r\f\v]+")


def clean_html(text: str) -> str:
    """Sanitised HTML: the allowed tags and attributes, http(s)/mailto links, text escaped."""
    if "<" not in text and "&" not in text:
        return text
    return nh3.clean(text, tags=ALLOWED_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES)


def markup(value: str) -> Markup:
    """A rich-text value for a page: sanitised HTML marked safe for Jinja."""
    return Markup(clean_html(value))  # noqa: S704 - the sanitiser's output, nothing else


def as_text(value: str) -> str:
    """What a reader of the rich-text value sees, as plain text: tags dropped (a line break where
    a block ends), entities decoded. For autoescaped templates, CSV cells, search, diffs."""
    if "<" not in value and "&" not in value:
        return value
    stripped = nh3.clean(_BLOCK_END.sub("\n", clean_html(value)), tags=set())
    lines = (_SPACES.sub(" ", line).strip() for line in html.unescape(stripped).split("\n"))
    return "\n".join(line for line in lines if line)


def from_plain_text(text: str) -> str:
    """Plain text (an importer's sentence) as the HTML that shows exactly that text."""
    return html.escape(text, quote=False)


def sanitise(rt: RecordType, document: dict[str, Any]) -> dict[str, Any]:
    """A copy of `document` whose rich-text values are sanitised (other values untouched)."""
    return map_rich(rt, document, clean_html)


def map_rich(rt: RecordType, document: dict[str, Any], fn: Callable[[str], str]) -> dict[str, Any]:
    """A copy of `document` with `fn` applied to every text of its rich-text fields."""
    return _fields(rt.fields, document, fn)


def _fields(fields: dict[str, FieldDef], doc: dict[str, Any], fn) -> dict[str, Any]:
    out = dict(doc)
    for key, f in fields.items():
        if key in out:
            out[key] = _value(f, out[key], fn)
    return out


def _value(f: FieldDef, value: Any, fn) -> Any:
    if f.many and isinstance(value, list):
        return [_one(f, v, fn) for v in value]
    return _one(f, value, fn)


def _one(f: FieldDef, value: Any, fn) -> Any:
    if f.type == "object" and isinstance(value, dict):
        return _fields(f.fields or {}, value, fn)
    if f.type == "lstring" and f.rich and isinstance(value, dict):
        return {k: fn(v) if isinstance(v, str) else v for k, v in value.items()}
    return value
