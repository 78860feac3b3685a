"""What the service derives from a validated document: owner, display title, links, UID keys,
search text, content hash. Pure functions over the record type definition."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from bch.records.fields import FieldDef, RecordType
from bch.records.identifiers import REFERENCE_OWNER, split_pinned
from bch.records.languages import LANGUAGES
from bch.records.oecd_uid import try_parse_uid
from bch.records.thesaurus import Thesaurus
from bch.services import richtext


def content_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def owner_of(rt: RecordType, document: dict[str, Any]) -> str:
    if rt.is_national:
        return str(document["government"]["identifier"]).upper()
    return REFERENCE_OWNER


def display_title(rt: RecordType, document: dict[str, Any]) -> dict[str, str]:
    """Language map made of the record type's title fields, joined with ' – '."""
    parts: list[dict[str, str] | str] = []
    for key in rt.title_fields:
        value = document.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict) and "identifier" in value:
            value = value["identifier"]
        if value:
            parts.append(value)
    langs = [lang for lang in LANGUAGES if any(isinstance(p, dict) and lang in p for p in parts)]
    if not langs:
        langs = list(document.get("header", {}).get("languages") or ["en"])[:1]
    title = {}
    for lang in langs:
        texts = []
        for p in parts:
            t = (
                p
                if isinstance(p, str)
                else (p.get(lang) or p.get("en") or next(iter(p.values()), ""))
            )
            if t and t not in texts:
                texts.append(t)
        title[lang] = " – ".join(texts)
    return title


def walk_values(fields: dict[str, FieldDef], doc: dict[str, Any], prefix: str = ""):
    """Every (path, field definition, single value) of a document, nested objects included."""
    for key, f in fields.items():
        if key not in doc:
            continue
        values = doc[key] if f.many and isinstance(doc[key], list) else [doc[key]]
        for v in values:
            if f.type == "object" and isinstance(v, dict):
                yield from walk_values(f.fields or {}, v, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", f, v


def references(rt: RecordType, document: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    out = []
    for path, f, v in walk_values(rt.fields, document):
        if f.type == "reference" and isinstance(v, dict):
            ident, rev = split_pinned(v["identifier"])
            out.append((path, ident, rev))
    return out


def lmo_keys(rt: RecordType, document: dict[str, Any]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for _path, f, v in walk_values(rt.fields, document):
        if f.type != "oecdUid" or not isinstance(v, str):
            continue
        parsed = try_parse_uid(v)
        if parsed is None:
            continue
        keys.append((parsed.key, "exact"))
        if parsed.is_stack:
            keys.extend((k, "component") for k in parsed.component_keys if k != parsed.key)
    return keys


def search_text(
    rt: RecordType,
    document: dict[str, Any],
    thesaurus: Thesaurus,
    title: dict[str, str],
    borrowed: Iterable[str] = (),
) -> str:
    """Everything a user may type to find the record: texts in all languages, term titles, UIDs,
    and what it `borrowed` from the LMOs it names (their UIDs, names and crops)."""
    chunks: list[str] = [*title.values(), *borrowed]
    chunks.append(" ".join(str(t) for t in rt.title.values()))
    for _path, f, v in walk_values(rt.fields, document):
        if f.confidential:
            continue
        if f.type in ("string", "email", "url") and isinstance(v, str):
            chunks.append(v)
        elif f.type == "lstring" and isinstance(v, dict):
            chunks.extend(richtext.as_text(str(t)) if f.rich else str(t) for t in v.values())
        elif f.type == "term" and isinstance(v, dict):
            term = thesaurus.term(v.get("identifier", ""))
            if term:
                chunks.extend(term.title.values())
            chunks.extend(str(t) for t in (v.get("customValue") or {}).values())
        elif f.type == "oecdUid" and isinstance(v, str):
            parsed = try_parse_uid(v)
            chunks.append(v)
            if parsed:
                chunks.extend(p.ascii for p in parsed.parts)
                chunks.extend(p.ascii.replace("-", "") for p in parsed.parts)
        elif f.type == "link" and isinstance(v, dict):
            chunks.append(str(v.get("name") or ""))
    return "\n".join(c for c in chunks if c)
