"""An LMO's gene-construct map at the v2013 edge, in the BCH's documented shape (BCH-FORMATS.md
1.2: `geneConstructs` is an array of arrays of TranscriptElement `{type, identifier, size}`),
while /api/v1 keeps one object per construct; both backends."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.compat.bch_shapes import gene_constructs
from tests import factories
from tests.web.conftest import mon810

TRANSCRIPT_ELEMENT = {"type": str, "identifier": str, "size": int}


def _is_transcript_elements(value) -> bool:
    """The documented shape: a list of lists of {type, identifier, size} (each optional)."""
    return isinstance(value, list) and all(
        isinstance(construct, list)
        and all(
            isinstance(e, dict)
            and set(e) <= set(TRANSCRIPT_ELEMENT)
            and all(isinstance(e[k], TRANSCRIPT_ELEMENT[k]) for k in e)
            for e in construct
        )
        for construct in value
    )


def test_gene_constructs_are_lists_of_transcript_elements_at_the_v2013_edge(services):
    org, orga = factories.organization("Monsanto Canada Inc."), factories.organism("Zea mays")
    for doc in (org, orga):
        services.records.publish(doc, strict=False)
    gene = factories.gene("cry1Ab")
    services.records.publish(gene, strict=False)
    gene_id = gene["header"]["identifier"]
    lmo = mon810(org["header"]["identifier"], orga["header"]["identifier"])
    lmo["geneConstructs"] = [
        {
            "elements": [
                {"type": "senseStart", "size": 0},
                {"type": "sense", "identifier": {"identifier": gene_id}, "size": 3468},
                {"type": "senseStop"},
            ]
        },
        {"elements": [{"type": "sense", "identifier": {"identifier": gene_id}}]},
    ]
    services.records.publish(lmo, strict=False)
    ident = lmo["header"]["identifier"]
    with TestClient(create_app(services)) as c:
        v2013 = c.get(f"/api/v2013/documents/{ident}").json()
        info = c.get(f"/api/v2013/documents/{ident}/info").json()
        version = c.get(f"/api/v2013/documents/{ident}/versions/1").json()
        v1 = c.get(f"/api/v1/records/{ident}").json()
    expected = [
        [
            {"type": "senseStart", "size": 0},
            {"type": "sense", "identifier": gene_id, "size": 3468},
            {"type": "senseStop"},
        ],
        [{"type": "sense", "identifier": gene_id}],
    ]
    assert v2013["geneConstructs"] == expected and _is_transcript_elements(expected)
    assert info["body"]["geneConstructs"] == expected == version["geneConstructs"]
    # /api/v1 keeps the stored shape: one object per construct
    stored = v1.get("document", v1)["geneConstructs"]
    assert stored[0]["elements"][1]["identifier"] == {"identifier": gene_id}
    assert not _is_transcript_elements(stored)


def test_the_mapping_keeps_order_and_drops_nothing_it_knows():
    assert gene_constructs(None) == [] and gene_constructs("x") == []
    assert gene_constructs([{"elements": []}, {}]) == [[], []]
    assert gene_constructs([{"elements": [{"type": "a"}, {"size": 5}, "junk"]}]) == [
        [{"type": "a"}, {"size": 5}]
    ]
