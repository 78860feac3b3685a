"""v2013 queries the search contract can express (the harvesters' column filters, date ranges,
thesaurus `_REL_ss` clauses; paged and sorted on record columns) are answered by the search
engine, numFound and page; the answers are the general evaluator's, page by page, on both
backends. Clauses it cannot express are evaluated on the engine's hits only, with the same
answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bch.compat.select import SelectService
from bch.compat.solr_query import parse
from bch.compat.translate import Translator
from bch.storage import records as record_store
from bch.storage.rows import utcnow
from tests import factories

HARVEST = [
    ("q", "*:*"),
    ("fq", "realm_ss:bch"),
    ("fq", "_state_s:public"),
    ("fq", "NOT version_s:*"),
    ("fl", "identifier_s,uniqueIdentifier_s,title_t,updatedDate_dt"),
]
QUERIES = [
    [
        *HARVEST,
        ("fq", "schema_s:modifiedOrganism"),
        ("sort", "updatedDate_dt asc, identifier_s asc"),
    ],
    [*HARVEST, ("fq", "schema_s:biosafetyDecision"), ("sort", "identifier_s desc")],
    [*HARVEST, ("fq", "schema_s:(organism OR dnaSequence)"), ("sort", "createdDate_dt desc")],
    [("q", "government_s:ca"), ("fq", "schema_s:biosafetyDecision"), ("sort", "_revision_i asc")],
    [("q", "schema_s:organism OR schema_s:dnaSequence"), ("fl", "identifier_s,schema_s")],
    [("q", "*:*"), ("fq", "government_s:scbd")],  # reference records have no government
    [("q", "*:*"), ("fq", "realm_ss:BCH")],  # values are lower case: nothing
    [("q", "+schema_s:organism +schema_s:dnaSequence")],  # contradictory: nothing
    [("q", "*:*"), ("sort", "score desc, updatedDate_dt desc")],
    [
        ("q", "*:*"),
        ("fq", "lmoTraits_REL_ss:dnaSequenceTraits.herbicides"),
        ("sort", "updatedDate_dt desc, identifier_s asc"),
    ],
    [("q", "traits_REL_ss:(dnaSequenceTraits.herbicides OR dnaSequenceTraits.insects)")],
    [("q", "lmoTraits_ss:dnaSequenceTraits.glyphosate"), ("sort", "identifier_s asc")],  # a leaf
    [("q", "lmoTraits_ss:dnaSequenceTraits.herbicides"), ("sort", "identifier_s asc")],  # not
    [("q", "title_t:maize"), ("sort", "updatedDate_dt desc, identifier_s asc")],  # title words
    [("q", "title_t:maiz*"), ("sort", "updatedDate_dt desc, identifier_s asc")],  # title prefix
    [("q", 'title_t:"herbicide tolerant"'), ("sort", "identifier_s asc")],  # two-word phrase
]
# the contract narrows, the evaluator checks the rest: the same answers, not by the engine alone
RESIDUAL = [
    [("q", 'title_t:"herbicide tolerant maize"'), ("sort", "updatedDate_dt desc")],
    [("q", "schema_s:organism OR government_s:ca"), ("sort", "_revision_i desc")],
    [("q", "realm_ss:bch AND NOT government_s:ca"), ("fq", "schema_s:modifiedOrganism")],
    [("q", "*:*"), ("fq", "schema_s:modifiedOrganism"), ("sort", "transformationEvent_s asc")],
]


def _compare(svc, params, general: SelectService | None = None, engine: bool = True) -> dict:
    """The answer through the contract (by the engine alone when `engine`) and by the general
    evaluator over every record (`general`, else a new one): equal."""
    fast = SelectService(svc)
    if general is None:
        general = SelectService(svc)
        general.fast = False
    got = fast.select(params)
    want = general.select(params)
    assert fast.answered_by_engine == (1 if engine else 0), "the engine path was not taken"
    assert got["response"] == want["response"]
    return want["response"]


@pytest.mark.parametrize("case", range(len(QUERIES)))
@pytest.mark.parametrize("window", [("0", "7"), ("5", "40"), ("300", "100"), ("0", "0")])
def test_sql_answers_equal_the_evaluator(loaded, loaded_evaluator, case, window):
    params = [*QUERIES[case], ("start", window[0]), ("rows", window[1])]
    found = _compare(loaded, params, loaded_evaluator)
    assert found["numFound"] == 0 or case not in (5, 6, 7)
    assert found["numFound"] > 0 or case in (5, 6, 7)


@pytest.mark.parametrize("case", range(len(RESIDUAL)))
def test_residual_clauses_are_evaluated_on_the_engines_hits(loaded, loaded_evaluator, case):
    params = [*RESIDUAL[case], ("start", "3"), ("rows", "40")]
    assert _compare(loaded, params, loaded_evaluator, engine=False)["numFound"] > 3


FACETS = [
    [
        *QUERIES[0],
        ("facet", "true"),
        ("facet.field", "schema_s"),
        ("facet.field", "lmoTraits_REL_ss"),
        ("facet.mincount", "1"),
    ],
    [  # mincount 0 (the default): every value of every record, 0 included; {!ex} of a tag
        ("q", "*:*"),
        ("fq", "{!tag=s}schema_s:biosafetyDecision"),
        ("facet", "true"),
        ("facet.field", "{!ex=s key=all_schemas}schema_s"),
        ("facet.field", "government_s"),
        ("facet.field", "realm_ss"),
        ("sort", "updatedDate_dt desc, identifier_s asc"),
    ],
    [  # (text words are matched as the v1 search matches them, borrowed crop names included,
        # which the evaluator's `text` does not hold: not compared here)
        ("q", "schema_s:biosafetyDecision"),
        ("facet", "true"),
        ("facet.field", "government_s"),
        ("f.government_s.facet.prefix", "c"),
        ("facet.sort", "index"),
        ("facet.limit", "3"),
        ("facet.mincount", "1"),
        ("sort", "identifier_s asc"),
    ],
]


@pytest.mark.parametrize("case", range(len(FACETS)))
def test_facets_are_the_contracts_counts(loaded, loaded_evaluator, case):
    """Facets the contract counts (columns, thesaurus closures) equal the evaluator's, with the
    page, numFound and no index document evaluated beyond the page."""
    params = [*FACETS[case], ("start", "2"), ("rows", "5")]
    fast, general = SelectService(loaded), loaded_evaluator
    got, want = fast.select(params), general.select(params)
    assert fast.answered_by_engine == 1
    assert got["response"] == want["response"] and want["response"]["numFound"] > 2
    assert got["facet_counts"] == want["facet_counts"]
    counts = want["facet_counts"]["facet_fields"]
    assert all(len(v) > 0 for v in counts.values())
    if case == 1:
        assert 0 in counts["government_s"][1::2]  # countries without decisions are listed
        assert len(counts["all_schemas"]) > 2  # the schema fq is excluded from its own count
    assert len(fast._cache) <= 5


def test_fields_whose_facet_rows_hold_more_are_not_translated(loaded):
    """An LMO's organismType facet rows come from its crops, a record's country row from its
    owner: clauses and facets on fields of those names are evaluated, not read from the rows."""
    rel = SelectService(loaded).translator.rel_fields
    assert "traits_REL_ss" in rel and "lmoTraits_REL_ss" in rel
    assert "organismType_REL_ss" not in rel and "country_REL_ss" not in rel


def test_facets_the_contract_cannot_count_are_evaluated(loaded, loaded_evaluator):
    params = [("q", "*:*"), ("fq", "schema_s:modifiedOrganism"), ("facet", "true")]
    params += [("facet.field", "transformationEvent_s"), ("sort", "identifier_s asc")]
    fast, general = SelectService(loaded), loaded_evaluator
    got, want = fast.select(params), general.select(params)
    assert fast.answered_by_engine == 0
    assert got["facet_counts"] == want["facet_counts"] and got["response"] == want["response"]


def test_date_ranges_and_identifiers_match_at_the_boundaries(services, monkeypatch):
    """Incremental harvests (`updatedDate_dt:[since TO *]`) cut exactly where the evaluator
    does: inclusive and exclusive ends, at a record's own timestamp and a fraction after it."""
    # three different seconds, all past (`[* TO NOW]` holds them all): the store's clock set
    # 1.05 s apart, instead of sleeping 1.05 s twice per backend between real publishes
    start = utcnow() - timedelta(seconds=3)
    for batch in range(3):
        stamp = start + timedelta(seconds=1.05 * batch)
        monkeypatch.setattr(record_store, "utcnow", lambda stamp=stamp: stamp)
        services.records.publish_many(
            [factories.organism(n) for n in ("Zea mays", "Glycine max")], by="test"
        )
    monkeypatch.setattr(record_store, "utcnow", utcnow)
    base = [("q", "*:*"), ("fq", "schema_s:organism"), ("rows", "50")]
    base += [("fl", "identifier_s,updatedDate_dt,createdDate_dt")]
    docs = _compare(services, [*base, ("sort", "updatedDate_dt asc")])["docs"]
    middle = docs[len(docs) // 2]
    moment = middle["updatedDate_dt"]
    fraction = moment.replace("Z", ".5Z")
    sizes = []
    for bounds in [
        f"[{moment} TO *]",
        f"{{{moment} TO *]",
        f"[* TO {moment}]",
        f"[* TO {moment}}}",
        f"[{fraction} TO *]",
        f"[* TO {fraction}]",
        f"[{moment} TO {moment}]",
        "[* TO NOW]",
    ]:
        for field in ("updatedDate_dt", "createdDate_dt"):
            found = _compare(services, [*base, ("fq", f"{field}:{bounds}")])
            sizes.append(found["numFound"])
    assert set(sizes) == {2, 4, 6}  # the bounds cut the set at and between the seconds
    one = _compare(services, [*base, ("fq", f"identifier_s:{middle['identifier_s']}")])
    assert [d["identifier_s"] for d in one["docs"]] == [middle["identifier_s"]]


def test_what_the_contract_cannot_express_is_residual(loaded):
    translator = SelectService(loaded).translator
    for text in [
        "title_t:zea\\ may*",  # a prefix of two words: narrowed by the title index, checked
        'title_t:"zea mays l"',  # a title phrase of three words: narrowed by its pairs' rows
        "schema_s:organism AND NOT government_s:ca",
        "schema_s:organism OR government_s:ca",
        "schema_s:org*",
        'updatedDate_dt:"2020-01-01T00:00:00Z"',
        "updatedDate_dt:[2020-01-01T00:00:00Z TO *] OR schema_s:organism",
        '"MON 810"',  # a phrase: narrowed by its words, then checked
    ]:
        assert translator.plan(parse(text)).residual, text
    both = translator.plan(parse("schema_s:a OR schema_s:b"))
    assert [(f.stored, f.values) for f in both.filters] == [("schema", ("a", "b"))]
    assert not both.residual
    words = translator.plan(parse("maize AND text:herbicid*"))
    assert words.words == ["maize", "herbicid"] and not words.residual and not words.filters
    assert isinstance(translator, Translator)
