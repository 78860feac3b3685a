"""Exact-term clauses on `*_ss`/`*_s` term fields and title words, translated into the search
contract (facet rows, title words), answer what the evaluator answers over every record's index
document: a property test on the shipped real data's sample (tests/shipped_sample.py: every record
type, field and kind of value; all of it under BCH_TEST_FULL=1), both backends. An exact term (leaf
or not) and a title word are answered by the engine alone (rows of the records' own terms and title
words); a title prefix is narrowed by the index's title words, then checked on rows."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bch.compat import select as select_module
from bch.compat.index_fields import TITLE_FIELDS
from bch.compat.select import SelectService
from bch.compat.solr_query import parse
from bch.services.policy import ANONYMOUS, read_scope
from bch.storage.search.positions import Positions
from tests.module_db import BACKEND_PARAMS
from tests.shipped_sample import FULL, sample_database

SERVICES: dict[int, tuple[SelectService, SelectService]] = {}


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def sampled(request, tmp_path_factory):
    """The shipped data's sample on each backend, read by the property test (each of its
    queries is evaluated on every record's index document)."""
    with sample_database(request, tmp_path_factory, "v2013_terms") as svc:
        yield svc


def _pair(svc) -> tuple[SelectService, SelectService]:
    """(through the contract, the general evaluator), kept per database: the evaluator's index
    documents are built once."""
    if id(svc) not in SERVICES:
        general = SelectService(svc)
        general.fast = False
        SERVICES[id(svc)] = (SelectService(svc), general)
    return SERVICES[id(svc)]


@cache
def _values(key: int) -> dict[str, list[str]]:
    """Values each exact-term and title field holds in the shipped data's index documents."""
    fast, general = SERVICES[key]
    docs = general._universe(read_scope(ANONYMOUS), [])
    out: dict[str, set[str]] = {}
    for name in [*fast.translator.term_fields, *sorted(TITLE_FIELDS)]:
        found: set[str] = set()
        broader = name.rsplit("_", 1)[0] + "_REL_ss"  # broader terms too: closures differ
        for _i, d in docs:
            for held in (name, broader):
                value = d.get(held)
                for v in value if isinstance(value, list) else [value] if value else []:
                    found |= set(re.findall(r"\w+", v)) if name in TITLE_FIELDS else {v}
        out[name] = found
    return {k: sorted(v) for k, v in out.items()}


def _escape(value: str) -> str:
    return re.sub(r'([+\-!(){}\[\]^"~*?:\\/ &|])', r"\\\1", value)


@st.composite
def clause(draw, key: int) -> str:
    fast, _general = SERVICES[key]
    values = _values(key)
    field = draw(st.sampled_from(sorted(values)))
    known = values[field]
    thesaurus = sorted(fast.svc.thesaurus._terms.values(), key=lambda t: t.identifier)
    if field in TITLE_FIELDS:
        word = draw(st.sampled_from(known)) if known else "maize"
        word = draw(st.sampled_from([word, word.upper(), word[:3] + "*", word + "s", "ss"]))
        return f"{field}:{word if word.endswith('*') else _escape(word)}"
    others = [t.identifier for t in thesaurus[:: max(1, len(thesaurus) // 40)]]
    value = draw(st.sampled_from(known if known and draw(st.integers(0, 4)) else others))
    value = draw(st.sampled_from([value, value.lower(), value]))
    return f"{field}:{_escape(value)}"


@st.composite
def query(draw, key: int) -> list[tuple[str, str]]:
    first = draw(clause(key))
    joiner = draw(st.sampled_from(["", " AND ", " OR ", " AND NOT "]))
    q = first if not joiner else f"({first}){joiner}({draw(clause(key))})"
    params = [("q", q), ("rows", "10000"), ("fl", "identifier_s,title_t")]
    params.append(("sort", draw(st.sampled_from(["identifier_s asc", "updatedDate_dt desc"]))))
    if draw(st.booleans()):
        params.append(("fq", draw(st.sampled_from(["schema_s:modifiedOrganism", "realm_ss:bch"]))))
    return params


def test_exact_terms_and_title_words_answer_what_the_evaluator_answers(sampled):
    fast, general = _pair(sampled)
    key = id(sampled)
    nonzero = []

    @settings(
        max_examples=100 if FULL else 300,  # the sample: more queries, each over fewer records
        deadline=None,
        derandomize=True,  # the same examples every run
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def check(data):
        params = data.draw(query(key))
        got, want = fast.select(params), general.select(params)
        assert got["response"] == want["response"], params
        nonzero.append(want["response"]["numFound"] > 0)

    check()
    assert any(nonzero), "every generated query found nothing: the property says nothing"


def test_an_exact_term_is_the_engines_answer_leaf_or_not(loaded):
    """Exact terms are the rows of the terms records hold themselves (issue 10 item 2): a term
    with narrower terms is no longer narrowed by its closure and checked."""
    fast, general = _pair(loaded)
    for term in ("dnaSequenceTraits.glyphosate", "dnaSequenceTraits.herbicides"):
        params = [("q", f"lmoTraits_ss:{term}"), ("sort", "identifier_s asc")]
        params += [("rows", "10000"), ("fl", "identifier_s")]
        before = fast.answered_by_engine
        got, want = fast.select(params), general.select(params)
        assert fast.answered_by_engine == before + 1
        assert got["response"] == want["response"] and want["response"]["numFound"] > 0
        plan = fast.translator.plan(parse(f"lmoTraits_ss:{term}"))
        assert not plan.residual and [(f.kind, f.stored) for f in plan.filters] == [
            ("facet", "=traits")
        ]


def test_title_words_are_the_engines_answer_long_phrases_are_checked_on_rows(loaded):
    fast, general = _pair(loaded)
    plan = fast.translator.plan(parse("title_t:maize"))
    assert [(f.kind, f.stored, f.values) for f in plan.filters] == [
        ("titleWords", "en", ("maize",))
    ]
    assert not plan.residual  # the exact words of the title: nothing left to check
    for word in ("grass", "straße"):  # as the evaluator folds them (ß -> ss): exact too
        assert not fast.translator.plan(parse(f"title_FR_t:{word}")).residual
    prefix = fast.translator.plan(parse("title_t:maiz*"))  # a range of the word rows: exact
    assert [f.kind for f in prefix.filters] == ["titlePrefix"] and not prefix.residual
    phrase = 'title_t:"herbicide tolerant maize"'  # its pairs' rows, checked on rows
    plan = fast.translator.plan(parse(phrase))
    assert [f.kind for f in plan.filters] == ["titlePairs", "titlePairs"] and plan.residual
    params = [("q", phrase), ("fq", "schema_s:modifiedOrganism"), ("rows", "30")]
    params += [("sort", "updatedDate_dt desc, identifier_s asc"), ("start", "5")]
    fast._cache.clear()
    got, want = fast.select(params), general.select(params)
    assert got["response"] == want["response"] and want["response"]["numFound"] > 35
    assert len(fast._cache) <= 30  # index documents of the page only, not of every hit


def test_exact_fields_other_types_fill_otherwise_are_only_narrowed(loaded):
    """`type_s` is a term in one record type and a string in another: its facet rows are not
    its index values, so a clause on it is checked on the index documents."""
    translator = _pair(loaded)[0].translator
    assert translator.term_fields["type_s"].schemas == ()
    assert translator.plan(parse("type_s:x")).residual
    assert translator.term_fields["lmoTraits_ss"].stored == "traits"


def test_evaluated_answers_are_kept_until_the_next_change(services):
    """A query with residual clauses is evaluated once per database state: a second page is a
    slice of the kept order; a publish moves the state, and the next page sees the new record."""
    from tests import factories

    services.records.publish_many([factories.organism("Zea mays")], by="test")
    select = SelectService(services)
    params = [("q", "title_t:zea AND NOT title_t:x"), ("sort", "identifier_s asc")]
    params.append(("fl", "identifier_s"))
    first = select.select(params)["response"]
    assert first["numFound"] == 1 and select.evaluated.walks == 1
    assert select.select([*params, ("start", "1")])["response"]["numFound"] == 1
    assert select.evaluated.walks == 1  # the kept order, not walked again
    services.records.publish_many([factories.organism("Zea perennis")], by="test")
    again = select.select(params)["response"]
    assert again["numFound"] == 2 and select.evaluated.walks == 2
    general = SelectService(services)
    general.fast = False
    assert again == general.select(params)["response"]


def test_a_broad_checked_clause_is_walked_in_chunks_and_caches_the_page_only(loaded, monkeypatch):
    """A clause the contract cannot express is checked on the index documents of every hit:
    they are built a chunk at a time and not kept (at a million records, holding them all took
    the server to 7 GB), and the answer is the general evaluator's."""
    monkeypatch.setattr(select_module, "WALK_CHUNK", 25)
    fast, general = _pair(loaded)
    params = [("q", "description_t:maize"), ("rows", "10")]
    params += [("sort", "updatedDate_dt desc, identifier_s asc"), ("start", "3")]
    fast._cache.clear()
    fast.evaluated = Positions()  # walked now, whatever an earlier test kept
    got, want = fast.select(params), general.select(params)
    assert got["response"] == want["response"] and want["response"]["numFound"] > 50
    assert len(fast._cache) <= 10  # the page's index documents, not the walk's
