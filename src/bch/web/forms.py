"""Record forms generated from the record type definitions, and form data back to a document.

Field names in the HTML form: `title.en` (a language of a text field), `traits` (repeated for
many), `developers` (reference identifiers, repeated; free text lines in `developers.add`),
`header.languages` (the record's languages). Nested object fields use `parent.child`."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from bch.records.countries import countries
from bch.records.fields import FieldDef, RecordType
from bch.records.identifiers import parse_record_uid
from bch.records.languages import LANGUAGES
from bch.records.oecd_uid import try_parse_uid
from bch.records.thesaurus import COUNTRIES_DOMAIN, Thesaurus
from bch.services.container import Services
from bch.services.numbers import is_ascii_number
from bch.web.display import label
from bch.web.i18n import text

TEXT_INPUTS = {"string": "text", "email": "email", "url": "url", "oecdUid": "text", "date": "date"}


@dataclass
class Widget:
    name: str
    label: str
    kind: str  # text | textarea | lstring | boolean | select | checkboxes | reference | object | lines
    required: bool
    many: bool = False
    input_type: str = "text"
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    children: list[Widget] = field(default_factory=list)
    shown_when: str | None = None  # JSON conditions for the page script
    schemas: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    selected: list[tuple[str, str]] = field(default_factory=list)  # references: (identifier, title)


def term_options(thesaurus: Thesaurus, domain: str) -> list[tuple[str, str]]:
    if domain == COUNTRIES_DOMAIN:
        return sorted(((c.code, text(c.name)) for c in countries()), key=lambda o: o[1])
    found = thesaurus.domain(domain)
    return [(t.identifier, text(t.title)) for t in found.terms] if found else []


def _condition(thesaurus: Thesaurus, cond) -> dict[str, Any]:
    """A shownWhen condition for the page script. `contains` also holds for any narrower term
    (as on the server, thesaurus broader_closure), so the condition lists every matching term
    in `matches`."""
    out = cond.model_dump(exclude_none=True)
    if cond.contains is not None:
        out["matches"] = thesaurus.narrower_closure(cond.contains) or [cond.contains]
    return out


def widgets(
    svc: Services, rt: RecordType, doc: dict[str, Any], errors: dict[str, list[str]]
) -> list[Widget]:
    titles = _reference_titles(svc, rt, doc)
    return [_widget(svc, f, doc.get(k), errors, titles, k) for k, f in rt.fields.items()]


def _widget(svc, f: FieldDef, value: Any, errors, titles, name: str) -> Widget:
    w = Widget(name, label(f), "text", f.required, f.many, errors=errors.get(name, []))
    if f.shown_when:
        w.shown_when = json.dumps([_condition(svc.thesaurus, c) for c in f.shown_when])
    if f.type == "object":
        w.kind = "object"
        sub = (value[0] if isinstance(value, list) and value else value) or {}
        w.children = [
            _widget(svc, s, sub.get(k), errors, titles, f"{name}.{k}")
            for k, s in (f.fields or {}).items()
        ]
    elif f.type == "lstring":
        w.kind, w.value = "lstring", value if isinstance(value, dict) else {}
    elif f.type == "boolean":
        w.kind, w.value = "boolean", value
    elif f.type == "term":
        w.options = term_options(svc.thesaurus, f.domain or "")
        items = value if isinstance(value, list) else [value] if value else []
        w.value = [i.get("identifier") for i in items if isinstance(i, dict)]
        w.kind = "checkboxes" if f.many else "select"
    elif f.type == "reference":
        w.kind, w.schemas = "reference", list(f.schemas or [])
        items = value if isinstance(value, list) else [value] if value else []
        ids = [str(i.get("identifier")) for i in items if isinstance(i, dict)]
        w.selected = [(i, titles.get(i, i)) for i in ids]
    elif f.type == "link":
        items = value if isinstance(value, list) else [value] if value else []
        w.kind = "lines"
        w.value = "\n".join(str(i.get("url", "")) for i in items if isinstance(i, dict))
    elif f.many:
        w.kind = "lines"
        w.value = "\n".join(str(v) for v in (value or []))
    else:
        w.input_type = TEXT_INPUTS.get(
            f.type, "number" if f.type in ("integer", "number") else "text"
        )
        w.kind = "textarea" if f.rich else "text"
        w.value = "" if value is None else value
    return w


def _reference_titles(svc: Services, rt: RecordType, doc: dict[str, Any]) -> dict[str, str]:
    from bch.web.common import documents_by_identifiers
    from bch.web.display import referenced_identifiers

    found = documents_by_identifiers(svc, referenced_identifiers(rt, doc))
    return {k: text(d.title) or d.uid_base for k, d in found.items()}


def parse(
    svc: Services, rt: RecordType, form: dict[str, list[str]], identifier: str
) -> dict[str, Any]:
    """Form data -> a record document (empty inputs left out; validation is the service's)."""
    langs = [code for code in form.get("header.languages", []) if code in LANGUAGES] or ["en"]
    doc: dict[str, Any] = {
        "header": {"identifier": identifier, "schema": rt.name, "languages": langs}
    }
    doc.update(_fields(svc, rt.fields, form, "", langs))
    return doc


def _fields(svc, fields: dict[str, FieldDef], form, prefix: str, langs) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, f in fields.items():
        name = prefix + key
        raw = [v.strip() for v in form.get(name, []) if v.strip()]
        value: Any = None
        if f.type == "object":
            sub = _fields(svc, f.fields or {}, form, name + ".", langs)
            value = ([sub] if f.many else sub) if sub else None
        elif f.type == "lstring":
            texts = {c: form.get(f"{name}.{c}", [""])[0].strip() for c in LANGUAGES}
            value = {c: t for c, t in texts.items() if t} or None
        elif f.type == "boolean":
            value = {"true": True, "false": False}.get(raw[0]) if raw else None
        elif f.type == "term":
            terms = [{"identifier": v} for v in raw]
            value = terms if f.many else (terms[0] if terms else None)
        elif f.type == "reference":
            ids = raw + [
                r for line in form.get(name + ".add", []) for r in _resolve(svc, line) if r
            ]
            refs = [{"identifier": i} for i in dict.fromkeys(ids)]
            value = refs if f.many else (refs[0] if refs else None)
        elif f.type == "link" or f.many:
            lines = [x.strip() for v in raw for x in v.splitlines() if x.strip()]
            items: list[Any] = [{"url": x} for x in lines] if f.type == "link" else lines
            value = items if f.many else (items[0] if items else None)
        elif raw:
            value = raw[0]
            if f.type == "integer":
                digits = value.removeprefix("-")
                value = int(value) if is_ascii_number(digits) and len(digits) < 20 else value
            elif f.type == "number":
                with contextlib.suppress(ValueError):
                    value = float(value)
        if value not in (None, [], {}):
            out[key] = value
    return out


def _resolve(svc: Services, line: str) -> list[str]:
    """Typed references: record UIDs, header identifiers or OECD unique identifiers."""
    out = []
    for token in line.replace(",", "\n").splitlines():
        token = token.strip()
        if not token:
            continue
        ident = token
        if parse_record_uid(token) is not None:
            try:
                ident = svc.records.get(token, with_links=False).doc.identifier
            except Exception:  # noqa: BLE001 - unknown ids go on as typed; validation names them
                ident = token
        elif try_parse_uid(token) is not None:
            try:
                ident = svc.lmos.find(token).record.doc.identifier
            except Exception:  # noqa: BLE001
                ident = token
        out.append(ident)
    return out


def field_errors(problems: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Validation problems by form field name (path `traits[2].identifier` -> `traits`)."""
    out: dict[str, list[str]] = {}
    for p in problems:
        path = str(p.get("path") or "")
        top = path.split("[")[0]
        parts = top.split(".")
        key = parts[0] if parts[0] not in ("header",) else top
        if len(parts) > 1 and parts[1] in LANGUAGES:
            key = parts[0]
        out.setdefault(key or "_", []).append(str(p.get("message") or p.get("code")))
    return out
