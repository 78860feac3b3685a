"""A record body as rows for a page: every field with its label, values in the page language,
terms and countries named from the thesaurus, references as links to the referenced records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from bch.records.countries import country
from bch.records.fields import FieldDef, RecordType
from bch.records.identifiers import split_pinned
from bch.records.languages import LANGUAGES
from bch.records.thesaurus import Thesaurus
from bch.services import richtext
from bch.storage.rows import DocumentRow
from bch.web.i18n import _, current_language, fmt_date, fmt_number, text


@dataclass
class Value:
    text: str  # plain text (for rich text: what the reader sees, tags dropped)
    href: str | None = None
    external: bool = False
    lang: str | None = None  # set when the text is not in the page language
    mono: bool = False
    html: Markup | None = None  # a rich-text field's sanitised HTML, rendered as HTML


@dataclass
class Row:
    name: str
    label: str
    values: list[Value] = field(default_factory=list)
    children: list[Row] = field(default_factory=list)


def humanize(name: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split()
    return " ".join([words[0].capitalize(), *[w.lower() for w in words[1:]]]) if words else name


def label(f: FieldDef) -> str:
    """The field's title from the record type definition, else a translated common label, else
    its name in words."""
    if f.title:
        return text(f.title)
    from bch.web.labels import field_labels

    return field_labels().get(f.name) or humanize(f.name)


def record_href(lang: str, doc: DocumentRow) -> str:
    return f"/{lang}/records/{doc.uid_base}"


def referenced_identifiers(rt: RecordType, body: dict[str, Any]) -> set[str]:
    out: set[str] = set()

    def walk(fields: dict[str, FieldDef], doc: dict[str, Any]) -> None:
        for key, f in fields.items():
            values = doc.get(key)
            for v in values if isinstance(values, list) else [values]:
                if f.type == "reference" and isinstance(v, dict) and v.get("identifier"):
                    out.add(split_pinned(str(v["identifier"]))[0])
                elif f.type == "object" and isinstance(v, dict):
                    walk(f.fields or {}, v)

    walk(rt.fields, body)
    return out


class Displayer:
    """Renders values of one record in the current page language."""

    def __init__(self, thesaurus: Thesaurus, refs: dict[str, DocumentRow]):
        self.thesaurus = thesaurus
        self.refs = refs
        self.lang = current_language.get()

    def rows(self, rt: RecordType, body: dict[str, Any]) -> list[Row]:
        return self._rows(rt.fields, body)

    def _rows(self, fields: dict[str, FieldDef], body: dict[str, Any]) -> list[Row]:
        out = []
        for key, f in fields.items():
            if key not in body or body[key] in (None, "", [], {}):
                continue
            row = Row(key, label(f))
            items = body[key] if f.many and isinstance(body[key], list) else [body[key]]
            for v in items:
                if f.type == "object" and isinstance(v, dict):
                    row.children.extend(self._rows(f.fields or {}, v))
                else:
                    row.values.extend(self.values(f, v))
            out.append(row)
        known = set(fields) | {"header"}
        for key in body:
            if key not in known and body[key] not in (None, "", [], {}):
                out.append(Row(key, humanize(key), [Value(_plain(body[key]))]))
        return out

    def values(self, f: FieldDef, v: Any) -> list[Value]:
        kind = f.type
        if kind == "lstring" and isinstance(v, dict):
            shown = text(v, self.lang)
            src = v.get(self.lang) and self.lang
            if not src:
                src = next((k for k in v if v.get(k) == shown), None)
            lang = None if src == self.lang else src
            if f.rich:
                return [Value(richtext.as_text(shown), lang=lang, html=richtext.markup(shown))]
            return [Value(shown, lang=lang)]
        if kind == "term" and isinstance(v, dict):
            code = str(v.get("identifier", ""))
            if f.domain == "countries" and country(code) is not None:
                return [Value(self.term_label(v), href=f"/{self.lang}/countries/{code.upper()}")]
            return [Value(self.term_label(v))]
        if kind == "reference" and isinstance(v, dict):
            ident, rev = split_pinned(str(v.get("identifier", "")))
            doc = self.refs.get(ident)
            if doc is None:
                return [Value(ident, mono=True)]
            href = f"/{self.lang}/records/{doc.uid_base}" + (f"-{rev}" if rev else "")
            title = text(doc.title, self.lang) or doc.uid_base
            if doc.deleted_at is not None:
                gone = _("deleted")
                title = f"{title} ({gone})"
            return [Value(title, href=href)]
        if kind in ("link", "url") and (isinstance(v, (dict, str))):
            url = v.get("url", "") if isinstance(v, dict) else v
            name = (v.get("name") if isinstance(v, dict) else None) or url
            ok = isinstance(url, str) and url.startswith(("http://", "https://"))
            return [Value(str(name), href=url if ok else None, external=ok)]
        if kind == "email" and isinstance(v, str):
            return [Value(v, href=f"mailto:{v}")]
        if kind == "boolean":
            return [Value(_("Yes") if v else _("No"))]
        if kind in ("date", "datetime"):
            return [Value(fmt_date(v))]
        if kind in ("integer", "number") and isinstance(v, int | float):
            return [Value(fmt_number(v))]
        if kind == "oecdUid":
            return [Value(str(v), href=f"/{self.lang}/lmos/{v}", mono=True)]
        return [Value(_plain(v))]

    def term_label(self, v: dict[str, Any]) -> str:
        ident = str(v.get("identifier", ""))
        custom = v.get("customValue")
        if custom:
            return text(custom, self.lang)
        found = country(ident) if len(ident) == 2 else None
        if found:
            return text(found.name, self.lang)
        term = self.thesaurus.term(ident)
        return term.label(self.lang) if term else ident


def _plain(v: Any) -> str:
    if isinstance(v, dict):
        if set(v) <= set(LANGUAGES):
            return text(v)
        return "; ".join(f"{k}: {_plain(x)}" for k, x in v.items())
    if isinstance(v, list):
        return "; ".join(_plain(x) for x in v)
    return str(v)


def flatten(d: Displayer, rt: RecordType, body: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """path -> (label, readable value) for a diff between revisions; language maps per language."""
    out: dict[str, tuple[str, str]] = {}

    def walk(fields: dict[str, FieldDef], doc: dict[str, Any], prefix: str, lprefix: str) -> None:
        for key, f in fields.items():
            if key not in doc:
                continue
            items = doc[key] if f.many and isinstance(doc[key], list) else [doc[key]]
            for i, v in enumerate(items):
                path = f"{prefix}{key}" + (f"[{i}]" if f.many else "")
                lab = lprefix + label(f) + (f" {i + 1}" if f.many and len(items) > 1 else "")
                if f.type == "object" and isinstance(v, dict):
                    walk(f.fields or {}, v, path + ".", lab + " › ")
                elif f.type == "lstring" and isinstance(v, dict):
                    for code, t in v.items():
                        shown = richtext.as_text(str(t)) if f.rich else str(t)
                        out[f"{path}.{code}"] = (f"{lab} ({code})", shown)
                else:
                    out[path] = (lab, " ".join(x.text for x in d.values(f, v)))

    walk(rt.fields, body, "", "")
    return out


def diff(
    d: Displayer, rt: RecordType, old: dict[str, Any], new: dict[str, Any]
) -> list[dict[str, str]]:
    a, b = flatten(d, rt, old), flatten(d, rt, new)
    rows = []
    for path in list(dict.fromkeys([*a, *b])):
        before, after = a.get(path), b.get(path)
        if before and after and before[1] == after[1]:
            continue
        kind = "changed" if before and after else ("added" if after else "removed")
        lab = (after or before or ("", ""))[0]
        rows.append(
            {
                "path": path,
                "label": lab,
                "kind": kind,
                "before": before[1] if before else "",
                "after": after[1] if after else "",
            }
        )
    return rows
