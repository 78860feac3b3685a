"""v2013 exact terms with narrower terms and title words are filters of the search contract
(issue 10 item 2): the rows a publish writes of the terms a record holds itself (`=field`) and
of its display title's words per language (`~t:xx`, bch.storage.text_tokens.title_word_rows)
answer exactly what the general evaluator answers over every record's index document, in both
engines (SQL and bitmap), on the shipped data and after a publish, a new revision and a
deletion; and migration 0010_v2013_first writes the same rows for records stored before."""

from __future__ import annotations

import importlib
import re

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bch.compat.index_fields import TITLE_FIELDS
from bch.compat.select import SelectService
from bch.compat.solr_query import parse
from bch.records.languages import LANGUAGES, display
from bch.services.policy import ANONYMOUS, read_scope
from bch.storage.text_tokens import OWN_WORDS, TITLE_WORDS, exact_words, title_word_rows

MIGRATION = "bch.storage.migrations.versions.0010_v2013_first"


def _selects(svc) -> tuple[SelectService, SelectService]:
    general = SelectService(svc)
    general.fast = False  # every clause evaluated on every record's index document
    return SelectService(svc), general


def _same_everywhere(svc, fast: SelectService, general: SelectService, q: str) -> int:
    """The engine's answer (no residual clause) is the evaluator's, and the SQL and bitmap
    engines hold the same hits; returns numFound."""
    plan = fast.translator.plan(parse(q))
    assert not plan.residual and plan.filters, q
    params = [("q", q), ("rows", "10000"), ("fl", "identifier_s"), ("sort", "identifier_s asc")]
    before = fast.answered_by_engine
    got, want = fast.select(params), general.select(params)
    assert fast.answered_by_engine == before + 1, q
    assert got["response"] == want["response"], q
    request = plan.request(read_scope(ANONYMOUS))
    in_sql = svc.search.sql.hit_ids(request)
    assert svc.search.bitmaps is not None
    assert sorted(svc.search.bitmaps.hit_ids(request)) == in_sql, q
    found = sorted(d.identifier for d in svc.search.documents(in_sql))
    assert found == sorted(d["identifier_s"] for d in want["response"]["docs"]), q
    return want["response"]["numFound"]


def _escape(value: str) -> str:
    return re.sub(r'([+\-!(){}\[\]^"~*?:\\/ &|])', r"\\\1", value)


def test_title_word_rows_follow_the_display_fallback():
    english = title_word_rows({"en": "MON-ØØ81Ø-6 – Maize"})
    assert english == {(TITLE_WORDS + "en", w) for w in ("mon", "øø81ø", "6", "maize")}
    both = title_word_rows({"en": "Maize", "fr": "Maïs", "es": "Maize"})
    assert both == {("~t:en", "maize"), ("~t:fr", OWN_WORDS), ("~t:fr", "maïs")}
    assert title_word_rows({"fr": "Straße"}) == {("~t:en", "strasse")}  # every display: fr
    assert title_word_rows({"en": "—", "ru": "Кукуруза"}) == {
        ("~t:ru", OWN_WORDS),
        ("~t:ru", "кукуруза"),
    }


@pytest.mark.parametrize(
    "title",
    [
        {"en": "Maize MON810", "fr": "Maïs MON810", "zh": "玉米 MON810"},
        {"ar": "ذرة", "es": "Maíz"},
        {"ru": "Кукуруза", "en": ""},
        {},
    ],
)
def test_rows_say_what_every_title_field_holds(title):
    """For each title field and word: the rows' answer (own words in the language, else the
    English ones unless the language has its own) is whether the evaluator finds the word."""
    rows = title_word_rows(title)
    every = {w for lang in LANGUAGES for w in exact_words(display(title, lang))} | {"maize"}
    for lang in LANGUAGES:
        has_own = (TITLE_WORDS + lang, OWN_WORDS) in rows
        for w in every:
            said = (TITLE_WORDS + lang, w) in rows or (
                not has_own and (TITLE_WORDS + "en", w) in rows
            )
            assert said == (w in exact_words(display(title, lang))), (lang, w)


def test_broader_terms_and_title_words_on_the_shipped_data(loaded, loaded_evaluator):
    svc = loaded
    fast, general = SelectService(svc), loaded_evaluator
    docs = general._universe(read_scope(ANONYMOUS), [])
    broader: set[str] = set()  # terms with narrower terms, held or only in a closure
    words: dict[str, set[str]] = {f: set() for f in TITLE_FIELDS}
    for _i, d in docs:
        for v in d.get("lmoTraits_REL_ss", []) + d.get("decisionTypes_ss", []):
            if svc.thesaurus.narrower_closure(v) != [v]:
                broader.add(v)
        for f in TITLE_FIELDS:
            words[f] |= set(exact_words(d.get(f, "")))
    assert len(broader) >= 3
    held = 0
    for term in sorted(broader):
        for field in ("lmoTraits_ss", "decisionTypes_ss"):
            held += _same_everywhere(svc, fast, general, f"{field}:{_escape(term)}") > 0
    assert held >= 2  # some are held themselves, not only as a closure
    own_language = 0
    for field in sorted(TITLE_FIELDS):
        sample = sorted(words[field])[:: max(1, len(words[field]) // 6)]
        for w in [*sample, "maize"]:
            found = _same_everywhere(svc, fast, general, f"{field}:{_escape(w)}")
            assert found > 0 or w == "maize"
        own_language += not set(words[field]) <= set(words["title_t"])
    assert own_language >= 1  # some titles have words of their own in another language
    # a phrase: the rows of its adjacent pairs, checked as a phrase only from three words
    plan = fast.translator.plan(parse('title_t:"zea mays"'))
    assert [f.kind for f in plan.filters] == ["titlePairs"] and not plan.residual
    plan = fast.translator.plan(parse('title_t:"zea mays l"'))
    assert [f.kind for f in plan.filters] == ["titlePairs", "titlePairs"] and plan.residual


def test_the_same_after_a_publish_a_revision_and_a_deletion(loaded_copy):
    svc = loaded_copy
    fast, general = _selects(svc)
    herbicides = "dnaSequenceTraits.herbicides"
    hits = fast.select(
        [
            ("q", f"lmoTraits_REL_ss:{herbicides}"),
            ("fq", "schema_s:modifiedOrganism"),
            ("fl", "identifier_s"),
        ]
    )
    ident = hits["response"]["docs"][0]["identifier_s"]
    body = svc.records.get(ident, with_links=False).document
    identity = body.get("identity") or {}
    english = display(identity, "en") or "Maize"
    queries = [
        f"lmoTraits_ss:{_escape(herbicides)}",
        "lmoTraits_ss:dnaSequenceTraits",
        "title_t:maize",
        "title_FR_t:maïs",
        "title_FR_t:maize",  # not in a French title of its own, though in its English one
        "title_ES_t:maize",
        'title_t:"maize maize"',  # the revision's English title ends with these two words
        'title_FR_t:"maïs"',
        "title_FR_t:ma*",
        # a word no shipped title holds, written by the revision: the bitmap engine's sorted
        # values of the facet (made by the first prefix query) take it in
        "title_t:revis*",
        'title_FR_t:"maïs révisé"',
    ]

    def same() -> list[int]:
        return [_same_everywhere(svc, fast, general, q) for q in queries]

    start = same()
    # a new revision: the broader term held itself, a French title with words of its own
    body["traits"] = [{"identifier": herbicides}]
    body["identity"] = {"en": f"{english} maize revised", "fr": f"{english} maïs révisé"}
    body["header"]["languages"] = sorted({*body["header"].get("languages", []), "en", "fr"})
    svc.records.publish(body, by="test", strict=False)
    revised = same()
    assert revised[0] >= 1 and revised[3] >= 1 and revised != start
    assert start[-2:] == [0, 0] and revised[-2:] == [1, 1]
    # a new record: a copy under another identifier
    copy = {**body, "header": {**body["header"], "identifier": f"{ident}-copy"}}
    copy.pop("uniqueIdentification", None)
    svc.records.publish(copy, by="test", strict=False)
    published = same()
    assert published[0] == revised[0] + 1 and published[3] == revised[3] + 1
    # deletions: both gone from every answer
    svc.records.delete(ident, reason="test", by="test")
    svc.records.delete(f"{ident}-copy", reason="test", by="test")
    assert same()[0] == revised[0] - 1


def test_the_migration_writes_the_rows_a_publish_writes(loaded_copy):
    """Rows of records stored before this version: the migration's rows equal the publish's."""
    svc = loaded_copy
    exact = "field LIKE '=%' OR field LIKE '~t:%'"
    select = text(f"SELECT document_id, field, value FROM record_facets WHERE {exact}")
    assert_migration_rewrites(svc, MIGRATION, select)


def assert_migration_rewrites(svc, module: str, select) -> None:
    """The rows `select` reads, removed by the migration's downgrade, are written again, the
    same, by its upgrade (records stored before its version get what a publish writes)."""
    with svc.engine.begin() as conn:
        written = set(conn.execute(select).all())
    assert len(written) > 1000
    migration = importlib.import_module(module)
    with svc.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration.downgrade()
        assert conn.execute(select).all() == []
        migration.upgrade()
    with svc.engine.begin() as conn:
        assert set(conn.execute(select).all()) == written
