"""v2013 title phrases and title prefixes are filters of the search contract (issue 10 item 2):
a phrase of n words is the rows of its n - 1 adjacent word pairs (`~p:xx`,
bch.storage.text_tokens.title_pair_rows), a prefix a range of the title word rows (`~t:xx`).
For phrases and prefixes drawn from the shipped records' titles (and phrases made of words of
two titles, most of which no title holds), the contract's hits in both engines and the
/select answer are exactly what the row-by-row evaluation finds; a phrase of three words or more
is exact on the hits of its pairs that hold none of its inner words twice (rows of `~p:xx` too),
so only the others are checked; migrations 0012_v2013_phrases and 0014_v2013_repeated_words
write the rows a publish writes."""

from __future__ import annotations

import importlib
from dataclasses import replace

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bch.compat.evaluate import matches
from bch.compat.index_fields import TITLE_FIELDS
from bch.compat.select import SelectService
from bch.compat.solr_query import parse
from bch.records.languages import LANGUAGES, display
from bch.services.policy import ANONYMOUS, read_scope
from bch.storage.tables import record_facets
from bch.storage.text_tokens import (
    OWN_WORDS,
    TITLE_PAIRS,
    exact_words,
    repeated_words,
    title_pair_rows,
    title_pairs,
)
from tests.compat.test_v2013_first import assert_migration_rewrites
from tests.factories import organization

MIGRATION = "bch.storage.migrations.versions.0012_v2013_phrases"
REPEATS = "bch.storage.migrations.versions.0014_v2013_repeated_words"
EXAMPLES = 60


@pytest.fixture(scope="module")
def titles(loaded):
    """(record id, row document) of every record in scope, and each title field's word lists
    (the shipped titles, as the evaluator splits them)."""
    general = SelectService(loaded)
    docs = general._universe(read_scope(ANONYMOUS), [], on_rows=True)
    found = {}
    for f in TITLE_FIELDS:  # another language's: the titles of its own (not the English one)
        own = [d.get(f) for _i, d in docs if f == "title_t" or d.get(f) != d.get("title_t")]
        found[f] = sorted({tuple(exact_words(t or "")) for t in own} - {()})
    return docs, found


def _quoted(words: list[str]) -> str:
    return '"' + " ".join(words) + '"'


def _evaluated(docs, q: str) -> list[int]:
    node = parse(q)
    return [i for i, d in docs if matches(node, d)]


def _check(svc, docs, q: str, exact: bool, doubted: list[int] | None = None) -> int:
    """The contract's hits (both engines) and /select answer `q` as the evaluator does; a longer
    phrase's pairs are exact outside its doubt (the hits holding an inner word twice), whose
    number `doubted` gets."""
    fast = SelectService(svc)
    plan = fast.translator.plan(parse(q))
    assert plan.filters and bool(plan.residual) != exact, q
    assert {f.kind for f in plan.filters} <= {"titlePairs", "titlePrefix"}, q
    want = _evaluated(docs, q)
    request = plan.request(read_scope(ANONYMOUS))
    in_sql = svc.search.sql.hit_ids(request)
    assert svc.search.bitmaps is not None
    assert sorted(svc.search.bitmaps.hit_ids(request)) == in_sql, q
    if exact:
        assert in_sql == want, q
    else:  # narrowed by the pairs, checked: the pairs never lose a hit
        assert set(want) <= set(in_sql), q
        doubts = plan.doubtful()
        assert doubts is not None, q
        doubtful: set[int] = set()
        for d in doubts:
            narrower = replace(request, filters=(*request.filters, d))
            ids = svc.search.sql.hit_ids(narrower)
            assert sorted(svc.search.bitmaps.hit_ids(narrower)) == ids, q
            doubtful.update(ids)
        assert set(in_sql) - doubtful <= set(want), q  # the pairs alone are exact there
        if doubted is not None:
            doubted.append(len(doubtful))
    params = [("q", q), ("rows", "10000"), ("fl", "identifier_s"), ("sort", "identifier_s asc")]
    got = fast.select(params)["response"]
    assert got["numFound"] == len(want), q
    return len(want)


def test_title_pair_rows_follow_the_display_fallback():
    rows = title_pair_rows(
        {"en": "Maize MON810 event", "fr": "Maïs MON810", "es": "Maize MON810 event"}
    )
    assert rows == {
        ("~p:en", "maize mon810"),
        ("~p:en", "mon810 event"),
        ("~p:fr", OWN_WORDS),
        ("~p:fr", "maïs mon810"),
    }
    # the same words in another order: pairs of its own, though the words are the English ones
    assert ("~p:fr", OWN_WORDS) in title_pair_rows({"en": "maize event", "fr": "event maize"})
    assert title_pair_rows({"en": "Maize"}) == set()


@pytest.mark.parametrize(
    "title",
    [
        {"en": "Maize MON810 event", "fr": "Maïs MON810 event", "zh": "玉米 MON810"},
        {"en": "maize event", "fr": "event maize"},
        {"ar": "ذرة صفراء", "es": "Maíz amarillo"},
        {"ru": "Кукуруза сорт", "en": ""},
        {},
    ],
)
def test_pair_rows_say_what_every_title_field_holds(title):
    rows = title_pair_rows(title)
    every = {p for lang in LANGUAGES for p in title_pairs(exact_words(display(title, lang)))}
    for lang in LANGUAGES:
        has_own = (TITLE_PAIRS + lang, OWN_WORDS) in rows
        for p in every | {"maize zzz"}:
            said = (TITLE_PAIRS + lang, p) in rows or (
                not has_own and (TITLE_PAIRS + "en", p) in rows
            )
            assert said == (p in title_pairs(exact_words(display(title, lang)))), (lang, p)


def test_phrases_and_prefixes_of_the_shipped_titles(loaded, titles):
    docs, found = titles
    fields = sorted(f for f in TITLE_FIELDS if any(len(w) >= 2 for w in found[f]))
    assert "title_t" in fields and len(fields) >= 2  # titles of their own in another language
    held = {"phrase": 0, "prefix": 0, "long": 0}
    doubted: list[int] = []

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(
        field=st.sampled_from(fields),
        pick=st.integers(min_value=0, max_value=10**6),
        other=st.integers(min_value=0, max_value=10**6),
        start=st.integers(min_value=0, max_value=30),
        length=st.integers(min_value=2, max_value=5),
        mixed=st.booleans(),
        kind=st.sampled_from(["phrase", "prefix"]),
    )
    def check(field, pick, other, start, length, mixed, kind):
        words = list(found[field][pick % len(found[field])])
        if kind == "prefix":
            word = words[start % len(words)]
            prefix = word[: 1 + other % len(word)]  # any length, the whole word included
            held["prefix"] += _check(loaded, docs, f"{field}:{prefix}*", exact=True) > 0
            return
        if mixed:  # a word of another title before the words of this one: rarely held
            words = [found[field][other % len(found[field])][0], *words]
        at = start % max(1, len(words) - 1)
        phrase = words[at : at + length]
        if len(phrase) < 2:
            return
        q = f"{field}:{_quoted(phrase)}"
        hits = _check(loaded, docs, q, len(phrase) == 2, doubted)
        held["phrase"] += hits > 0
        held["long"] += hits > 0 and len(phrase) > 2

    check()
    # whatever the draws (fixed under CI=true, random otherwise): a three-word phrase of a shipped
    # title whose inner word the title holds twice (its doubt has hits), and one whose has none
    for want_doubt in (True, False):
        windows = (
            words[i - 1 : i + 2]
            for words in found["title_t"]
            for i in range(1, len(words) - 1)
            if (words.count(words[i]) > 1) == want_doubt
        )
        for phrase in windows:
            hits = _check(loaded, docs, f"title_t:{_quoted(list(phrase))}", False, doubted)
            held["long"] += hits > 0  # a title's own words: its record at least
            if (doubted[-1] > 0) == want_doubt:
                break
    assert held["phrase"] >= 5 and held["prefix"] >= 5  # most draws find records
    assert held["long"] >= 3  # phrases of three words or more held by records (at least 2 above)
    # the shipped titles repeat words (an LMO's event name: "GHB614 - GlyTol Cotton GHB614"):
    # some longer phrases were checked on a few hits, the others on none
    assert any(doubted) and 0 in doubted


def test_a_few_fixed_phrases_and_prefixes(loaded, titles):
    docs, _found = titles
    assert _check(loaded, docs, 'title_t:"maize event"', exact=True) >= 0
    assert _check(loaded, docs, "title_t:mai*", exact=True) > 0
    assert _check(loaded, docs, "title_FR_t:ma*", exact=True) > 0
    assert _check(loaded, docs, 'title_t:"genetically modified maize"', exact=False) >= 0


def test_the_migration_writes_the_rows_a_publish_writes(loaded_copy):
    svc = loaded_copy
    select = text(
        "SELECT document_id, field, value FROM record_facets WHERE field LIKE '~p:%'"
        " OR (field LIKE '~t:%' AND value LIKE '*_%')"
    )
    assert_migration_rewrites(svc, MIGRATION, select)


def test_words_held_twice_are_rows_of_their_own():
    rows = title_pair_rows({"en": "BCS-GHØØ2-5 – GHB614 – GlyTol™ Cotton GHB614"})
    assert ("~p:en", "ghb614") in rows and ("~p:en", "cotton") not in rows
    # the same pairs in French, other words held twice: rows of its own
    rows = title_pair_rows({"en": "alpha beta alpha", "fr": "beta alpha beta"})
    assert {("~p:en", "alpha"), ("~p:fr", OWN_WORDS), ("~p:fr", "beta")} <= rows
    assert ("~p:fr", "alpha") not in rows
    assert repeated_words(["a", "b", "a", "a", "c"]) == {"a"}


@pytest.mark.parametrize(
    "title",
    [
        {"en": "Maize MON 87411 x MON 810", "fr": "Maïs MON 87411 x MON 810 maïs"},
        {"en": "alpha beta alpha", "fr": "beta alpha beta", "es": "alpha beta alpha"},
        {"en": "Cotton", "ru": "хлопок хлопок"},
    ],
)
def test_repeated_word_rows_say_what_every_title_field_holds(title):
    rows = title_pair_rows(title)
    every = {w for lang in LANGUAGES for w in exact_words(display(title, lang))} | {"zzz"}
    for lang in LANGUAGES:
        has_own = (TITLE_PAIRS + lang, OWN_WORDS) in rows
        held = exact_words(display(title, lang))
        for w in every:
            said = (TITLE_PAIRS + lang, w) in rows or (
                not has_own and (TITLE_PAIRS + "en", w) in rows
            )
            assert said == (held.count(w) >= 2), (lang, w)


TWICE = {  # name of an organization -> is "alpha beta delta" in its English / French title
    "Alpha Beta Delta": (True, True),
    "Alpha Beta Gamma Beta Delta": (False, False),  # both pairs held, beta twice: no phrase
    "Beta Delta Alpha Beta": (False, False),
    "Alpha Beta Delta Beta Delta": (True, True),  # beta twice, yet the phrase is there
}


def test_longer_phrases_over_titles_that_repeat_inner_words(services):
    """Titles holding every pair of a phrase, with an inner word twice, are checked: the
    /select answer of 3- and 4-word phrases is the general evaluator's, in both engines."""
    svc = services
    for name in TWICE:
        svc.records.publish(organization(name), by="test", strict=False)
    own = organization("Alpha Beta Delta")  # English holds the phrase, its French title not
    own["header"]["languages"] = ["en", "fr"]
    own["name"] = {"en": "Alpha Beta Delta", "fr": "Alpha Beta Gamma Beta Delta"}
    svc.records.publish(own, by="test", strict=False)
    general = SelectService(svc)
    general.fast = False
    fast = SelectService(svc)
    queries = {
        'title_t:"alpha beta delta"': 3,
        'title_FR_t:"alpha beta delta"': 2,
        'title_t:"beta gamma beta"': 1,
        'title_t:"alpha beta gamma beta"': 1,
        'title_t:"delta alpha beta"': 1,
        'title_FR_t:"alpha beta gamma beta delta"': 2,
        'title_t:"beta delta beta"': 1,
    }
    for q, n in queries.items():
        plan = fast.translator.plan(parse(q))
        request = plan.request(read_scope(ANONYMOUS))
        pairs = svc.search.sql.hit_ids(request)
        assert plan.doubtful() and len(pairs) >= n, q
        for sort in ("identifier_s asc", "updatedDate_dt desc, identifier_s asc"):
            params = [("q", q), ("rows", "100"), ("fl", "identifier_s"), ("sort", sort)]
            got, want = fast.select(params)["response"], general.select(params)["response"]
            assert got == want and want["numFound"] == n, (q, sort)
    # the pairs alone would answer more: the doubt's check is what removes them
    plan = fast.translator.plan(parse('title_t:"alpha beta delta"'))
    assert len(svc.search.sql.hit_ids(plan.request(read_scope(ANONYMOUS)))) == 5


def test_the_repeated_words_migration_writes_the_rows_a_publish_writes(loaded_copy):
    svc = loaded_copy
    every = text("SELECT document_id, field, value FROM record_facets WHERE field LIKE '~p:%'")
    with svc.engine.begin() as conn:
        written = set(conn.execute(every).all())
    repeated = {r for r in written if " " not in r.value and r.value != OWN_WORDS}
    assert len(repeated) > 100  # the shipped titles repeat words
    migration = importlib.import_module(REPEATS)
    with svc.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration.downgrade()
        assert set(conn.execute(every).all()) == written - repeated
        migration.upgrade()
    with svc.engine.begin() as conn:
        assert set(conn.execute(every).all()) == written
    # as 0012 wrote them (no row of a word held twice, no own rows made by them): the same
    with svc.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        conn.execute(text("DELETE FROM record_facets WHERE field LIKE '~p:%'"))
        rows = [
            {"document_id": d, "field": f, "value": v}
            for d, f, v in written
            if (d, f, v) not in repeated
        ]
        conn.execute(record_facets.insert(), rows)
        migration.upgrade()
    with svc.engine.begin() as conn:
        assert set(conn.execute(every).all()) == written
