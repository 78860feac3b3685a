"""What the search index stores for a record: facet/filter values and full text per language.

Pure functions over the record type definition and the thesaurus (plus one lookup for the
organism types of an LMO's recipient organisms), called by RecordService in the publish
transaction. The search service (bch.services.search) reads what these produce."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any

from bch.records.fields import FieldDef, RecordType
from bch.records.identifiers import REFERENCE_OWNER, split_pinned
from bch.records.languages import LANGUAGES, display
from bch.records.oecd_uid import try_parse_uid
from bch.records.thesaurus import Thesaurus
from bch.services import richtext
from bch.services.documents import walk_values
from bch.services.linked_index import Borrowed
from bch.storage.text_tokens import cjk_bigrams, title_pair_rows, title_word_rows

MAX_VALUE = 200
TITLE_SORT = "_title"  # hidden facet holding the sort key of the display title
OWN_TERM = "="  # prefix of the facet field of the terms a record holds itself: =traits


@cache
def un_regions() -> dict[str, dict[str, str]]:
    """ISO alpha-2 -> {region, subregion} (UN M49), from the shipped table."""
    raw = resources.files("bch.records").joinpath("un_regions.json").read_text("utf-8")
    return json.loads(raw)["countries"]


def term_fields(types: Iterable[RecordType]) -> set[str]:
    """Names (paths) of every term field of the given record types: each is filterable."""
    out: set[str] = set()

    def visit(fields: dict[str, FieldDef], prefix: str) -> None:
        for key, f in fields.items():
            if f.type == "term":
                out.add(prefix + key)
            elif f.type == "object" and f.fields:
                visit(f.fields, f"{prefix}{key}.")

    for rt in types:
        visit(rt.fields, "")
    return out


def facet_values(
    rt: RecordType,
    document: dict[str, Any],
    thesaurus: Thesaurus,
    owner: str,
    title: dict[str, str],
    organism_types: Callable[[list[str]], list[str]] | None = None,
    borrowed: Borrowed | None = None,
) -> list[tuple[str, str]]:
    """(field, value) pairs of a validated document. Terms carry their broader terms, and are
    also rows of their own under `=field` (OWN_TERM: exactly the terms the record holds, what a
    v2013 `X_ss:term` clause matches); the words of the display title per language are rows too
    (bch.storage.text_tokens.title_word_rows: v2013 title words and prefixes), and so are its
    adjacent word pairs (title_pair_rows: v2013 title phrases). The crops of the LMOs a record
    names (`borrowed`) fill its organism facet."""
    out: set[tuple[str, str]] = {("realm", rt.realm), ("schema", rt.name), ("country", owner)}
    if borrowed is not None:
        out.update(borrowed.facets)
    if owner != REFERENCE_OWNER:
        region = un_regions().get(owner)
        if region:
            out.add(("region", region["region"]))
            out.add(("subregion", region["subregion"]))
    organisms: list[str] = []
    for path, f, v in walk_values(rt.fields, document):
        if f.confidential:
            continue
        if f.type == "term" and isinstance(v, dict) and v.get("identifier"):
            ident = str(v["identifier"])
            closure = thesaurus.broader_closure(ident) or [ident]
            out.update((path, t) for t in closure)
            out.add((OWN_TERM + path, ident))
        elif f.type == "oecdUid" and isinstance(v, str):
            parsed = try_parse_uid(v)
            if parsed is not None:
                out.add(("lmoUid", parsed.key))
        elif f.type == "reference" and isinstance(v, dict) and path == "recipientOrganisms":
            organisms.append(split_pinned(str(v.get("identifier", "")))[0])
        elif f.type == "boolean" and isinstance(v, bool):
            out.add((path, "true" if v else "false"))
    if rt.name == "organism":
        organisms.append(document["header"]["identifier"])
    out.update(("organism", o) for o in organisms)
    if rt.name == "modifiedOrganism" and organism_types and organisms:
        for t in organism_types(organisms):
            out.update(("organismType", a) for a in thesaurus.broader_closure(t) or [t])
    if rt.name == "biosafetyDecision":
        from bch.services.matrix import decision_scopes  # matrix imports records, which imports us

        out.update(("decisionScope", s) for s in decision_scopes(thesaurus, document))
        if isinstance(document.get("date"), str):
            out.add(("decisionDate", document["date"][:10]))
    if document.get("detectionMethod") or document.get("detectionMethodLinks"):
        out.add(("detectionMethodInRecord", "true"))
    out.add((TITLE_SORT, sort_key(display(title, "en"))))
    out.update(title_word_rows(title) | title_pair_rows(title))
    return sorted((f[:40], v[:MAX_VALUE]) for f, v in out if v)


def exact_rows(rt: RecordType, document: dict[str, Any], title: Any) -> set[tuple[str, str]]:
    """The rows of facet_values that say exactly what a record holds: its own terms (OWN_TERM)
    and its display title's words (for a database published before they were written,
    migration 0010_v2013_first)."""
    out = title_word_rows(title)
    for path, f, v in walk_values(rt.fields, document):
        if f.type == "term" and not f.confidential and isinstance(v, dict) and v.get("identifier"):
            out.add((OWN_TERM + path, str(v["identifier"])))
    return {(f[:40], v[:MAX_VALUE]) for f, v in out if v}


def sort_key(title: str) -> str:
    return " ".join(title.casefold().split())[:MAX_VALUE]


def language_texts(
    rt: RecordType,
    document: dict[str, Any],
    thesaurus: Thesaurus,
    title: dict[str, str],
    borrowed: Borrowed | None = None,
) -> dict[str, str]:
    """Full text per language: that language's texts and term titles plus the language-neutral
    strings (names, UIDs). Languages: those the record declares or writes in, and those of the
    crop names borrowed from the LMOs it names (so that "maïs" finds an English decision)."""
    neutral: list[str] = [" ".join(str(t) for t in rt.title.values())]
    per_lang: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    declared = [lang for lang in document.get("header", {}).get("languages") or [] if lang]
    used: set[str] = set(declared) | set(title)
    if borrowed is not None:
        neutral.extend(borrowed.neutral)
        for lang, texts in borrowed.per_lang.items():
            per_lang.setdefault(lang, []).extend(texts)
            used.add(lang)
    for lang, text in title.items():
        per_lang.setdefault(lang, []).append(text)
    for _path, f, v in walk_values(rt.fields, document):
        if f.confidential:
            continue
        if f.type in ("string", "email", "url") and isinstance(v, str):
            neutral.append(v)
        elif f.type == "lstring" and isinstance(v, dict):
            for lang, text in v.items():
                if isinstance(text, str):
                    per_lang.setdefault(lang, []).append(richtext.as_text(text) if f.rich else text)
                    used.add(lang)
        elif f.type == "term" and isinstance(v, dict):
            term = thesaurus.term(str(v.get("identifier", "")))
            if term:
                for lang, text in term.title.items():
                    per_lang.setdefault(lang, []).append(text)
            for lang, text in (v.get("customValue") or {}).items():
                per_lang.setdefault(lang, []).append(str(text))
        elif f.type == "oecdUid" and isinstance(v, str):
            neutral.append(v)
            parsed = try_parse_uid(v)
            if parsed:
                neutral.extend(p.ascii for p in parsed.parts)
                neutral.extend(p.ascii.replace("-", "") for p in parsed.parts)
        elif f.type == "link" and isinstance(v, dict) and v.get("name"):
            neutral.append(str(v["name"]))
    langs = [lang for lang in LANGUAGES if lang in used] or ["en"]
    common = "\n".join(c for c in neutral if c)
    return {
        lang: cjk_bigrams("\n".join([common, *[t for t in per_lang.get(lang, []) if t]]))
        for lang in langs
    }
