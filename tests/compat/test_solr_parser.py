"""The Solr query subset: what parses, what it matches, and clear refusals for the rest."""

from __future__ import annotations

import pytest

from bch.compat.evaluate import matches, pushdown
from bch.compat.solr_query import MatchAll, SolrSyntaxError, local_params, parse

DOCS = {
    "lmo": {
        "schema_s": "modifiedOrganism",
        "realm_ss": ["bch"],
        "title_t": "MON-ØØ81Ø-6 – MON810 – YieldGard Maize",
        "lmoTraits_ss": ["T1", "T2"],
        "createdDate_dt": "2020-05-01T10:00:00Z",
        "traitsOther_b": False,
    },
    "dec": {
        "schema_s": "biosafetyDecision",
        "realm_ss": ["bch"],
        "government_s": "ca",
        "title_t": "Unconfined environmental release of Potato",
        "decisionDate_dt": "1997-09-12T00:00:00Z",
        "scopeFood_b": True,
        "createdDate_dt": "2021-01-01T00:00:00Z",
    },
}


def hits(query: str, op: str = "OR") -> set[str]:
    node = parse(query, "title_t", op)
    return {name for name, doc in DOCS.items() if matches(node, doc)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("*:*", {"lmo", "dec"}),
        ("schema_s:modifiedOrganism", {"lmo"}),
        ('title_t:"environmental release"', {"dec"}),
        ('title_t:"release environmental"', set()),
        ("title_t:maize", {"lmo"}),  # text fields are case-insensitive words
        ("schema_s:(modifiedOrganism OR biosafetyDecision)", {"lmo", "dec"}),
        ("schema_s:modifiedOrganism OR government_s:ca", {"lmo", "dec"}),
        ("schema_s:modifiedOrganism AND government_s:ca", set()),
        ("realm_ss:bch AND NOT schema_s:modifiedOrganism", {"dec"}),
        ("-schema_s:modifiedOrganism", {"dec"}),
        ("realm_ss:bch -government_s:ca", {"lmo"}),
        ("+realm_ss:bch +lmoTraits_ss:T2", {"lmo"}),
        ("government_s:*", {"dec"}),
        ("NOT version_s:*", {"lmo", "dec"}),
        ("schema_s:bio*", {"dec"}),
        ("title_t:yield*", {"lmo"}),
        ("decisionDate_dt:[1990-01-01T00:00:00Z TO 2000-01-01T00:00:00Z]", {"dec"}),
        ("createdDate_dt:[2021-01-01T00:00:00Z TO *]", {"dec"}),
        ("createdDate_dt:{2021-01-01T00:00:00Z TO *]", set()),
        ("scopeFood_b:true", {"dec"}),
        ("traitsOther_b:false", {"lmo"}),
        ("(schema_s:biosafetyDecision && scopeFood_b:true) || lmoTraits_ss:T1", {"lmo", "dec"}),
        ("potato", {"dec"}),  # the default field
        ("uniqueIdentifier_s:bch\\-lmo", set()),
    ],
)
def test_supported_syntax_matches_like_solr(query, expected):
    assert hits(query) == expected


def test_q_op_and_makes_juxtaposed_clauses_required():
    assert hits("realm_ss:bch government_s:ca", "AND") == {"dec"}
    assert hits("realm_ss:bch government_s:ca", "OR") == {"lmo", "dec"}
    assert hits("schema_s:modifiedOrganism OR government_s:ca", "AND") == {"lmo", "dec"}


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("title_t:(((", "never closed"),
        ("title_t:maize)", "unbalanced"),
        ("title_t:maize^2", "boosts"),
        ("title_t:maize~1", "fuzzy"),
        ("title_t:ma?ze", "wildcard"),
        ("title_t:*aize", "wildcard"),
        ('title_t:"open', "phrase"),
        ("createdDate_dt:[2020 TO", "range"),
        ("{!func}log(x)", "not supported"),
        ("_val_:foo", "not supported"),
        ("schema_s:x AND", "ends with an operator"),
        ("AND schema_s:x", "AND needs"),
        ("", "empty"),
    ],
)
def test_unsupported_or_broken_syntax_is_refused_with_the_reason(query, problem):
    with pytest.raises(SolrSyntaxError, match=problem):
        parse(query)


def test_local_params_tag_and_ex():
    params, rest = local_params("{!tag=sch}schema_s:x", {"tag"})
    assert params == {"tag": "sch"} and rest == "schema_s:x"
    with pytest.raises(SolrSyntaxError, match="not supported"):
        local_params("{!frange l=1}x", {"tag"})
    assert isinstance(parse("*:*"), MatchAll)


def test_pushdown_only_from_required_exact_clauses():
    assert pushdown(parse("schema_s:(a OR b) AND government_s:ca")) == {
        "schema": ["a", "b"],
        "country": ["ca"],
    }
    assert pushdown(parse("schema_s:a OR government_s:ca")) == {}
    assert pushdown(parse("-schema_s:a")) == {}
