"""The CBD v2013 read surface on the shipped real data, both backends (in process)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from tests import factories
from tests.accounts.helpers import add_user


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


def select(client, **params):
    r = client.get("/api/v2013/index/select", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_solr_response_shape_and_counts(client, loaded):
    with loaded.store.reading() as conn:
        per_schema = loaded.store.counts_by_schema(conn)
    body = select(client, q="*:*", fq=["realm_ss:bch", "_state_s:public"], rows=0)
    assert body["responseHeader"]["status"] == 0
    chm = select(client, q="*:*", fq=["realm_ss:chm"], rows=0)["response"]["numFound"]
    assert chm == 31  # the CHM realm's records (issue 16 item 7)
    assert body["response"]["numFound"] + chm == sum(per_schema.values())
    assert body["response"]["docs"] == []
    dec = select(client, q="schema_s:biosafetyDecision", fq="government_s:ca")
    assert dec["response"]["numFound"] == per_schema["biosafetyDecision"] - 12  # 12 Australian
    assert len(dec["response"]["docs"]) == 10  # rows defaults to 10
    doc = dec["response"]["docs"][0]
    assert doc["government_s"] == "ca" and doc["realm_ss"] == ["bch"]
    assert doc["uniqueIdentifier_s"].startswith("bch-dec-ca-")
    assert doc["_state_s"] == "public" and doc["schemaType_s"] == "national"
    assert {"decisionTypes_ss", "decisionDate_dt", "modifiedOrganisms_ss", "scopeFood_b"} <= set(
        doc
    )


def test_lmo_fields_and_uid_lookup(client):
    body = select(
        client,
        q='uniqueIdentification_s:"MON-ØØ81Ø-6"',
        fl="identifier_s,transformationEvent_s,lmoTraits_ss,title_EN_t",
    )
    docs = body["response"]["docs"]
    assert [d["transformationEvent_s"] for d in docs] == ["MON810"]
    assert set(docs[0]) == {"identifier_s", "transformationEvent_s", "lmoTraits_ss", "title_EN_t"}
    lmo_id = docs[0]["identifier_s"]
    decisions = select(client, q=f"modifiedOrganisms_ss:{lmo_id}", fq="schema_s:biosafetyDecision")
    assert decisions["response"]["numFound"] >= 1


def test_paging_sort_and_post_json_agree(client):
    params = {
        "q": "schema_s:modifiedOrganism",
        "sort": "transformationEvent_s asc",
        "fl": "identifier_s,transformationEvent_s",
        "rows": 50,
    }
    first = select(client, **params, start=0)["response"]["docs"]
    second = select(client, **params, start=50)["response"]["docs"]
    events = [d["transformationEvent_s"] for d in first + second]
    assert events == sorted(events)
    assert not {d["identifier_s"] for d in first} & {d["identifier_s"] for d in second}
    posted = client.post("/api/v2013/index/select", json={**params, "start": 50})
    assert posted.status_code == 200
    assert posted.json()["response"]["docs"] == second
    form = client.post("/api/v2013/index", data={**params, "start": "50"})
    assert form.json()["response"]["docs"] == second


def test_facets_with_tag_exclusion_and_mincount(client):
    body = select(
        client,
        q="*:*",
        **{
            "fq[]": "{!tag=sch}schema_s:modifiedOrganism",
            "facet": "true",
            "facet.field": ["{!ex=sch}schema_s", "schema_s"],
            "facet.mincount": 1,
            "rows": 0,
        },
    )
    fields = body["facet_counts"]["facet_fields"]
    excluded = dict(zip(fields["schema_s"][::2], fields["schema_s"][1::2], strict=True))
    assert body["response"]["numFound"] == 1055
    # both facet.field entries have the same key: the later one (with the filter) wins, as in Solr
    assert excluded == {"modifiedOrganism": 1055}
    tagged = select(
        client,
        q="*:*",
        fq="{!tag=sch}schema_s:modifiedOrganism",
        facet="true",
        **{"facet.field": "{!ex=sch key=all}schema_s", "facet.mincount": 1, "rows": 0},
    )
    all_schemas = tagged["facet_counts"]["facet_fields"]["all"]
    counts = dict(zip(all_schemas[::2], all_schemas[1::2], strict=True))
    assert (
        counts["modifiedOrganism"] == 1055 and counts["biosafetyDecision"] == 314
    )  # 302 Canadian, 12 Australian (OGTR)
    zero = select(
        client,
        q="schema_s:organism",
        facet="true",
        **{"facet.field": "schema_s", "facet.limit": -1},
    )
    pairs = dict(
        zip(
            zero["facet_counts"]["facet_fields"]["schema_s"][::2],
            zero["facet_counts"]["facet_fields"]["schema_s"][1::2],
            strict=True,
        )
    )
    assert pairs["organism"] > 0 and pairs["modifiedOrganism"] == 0  # mincount 0 lists zeros


@pytest.mark.parametrize(
    ("params", "path", "problem"),
    [
        ({"q": "title_t:((("}, "q", "never closed"),
        ({"q": "title_t:maize^3"}, "q", "boost"),
        ({"q": "lmoScientificNames_ss:Zea"}, "q", "not indexed"),
        ({"q": "*:*", "fq": "{!frange l=0}x"}, "fq", "not supported"),
        ({"q": "*:*", "sort": "title_t"}, "sort", "asc|desc"),
        ({"q": "*:*", "sort": "lmoTraits_ss asc"}, "sort", "cannot sort"),
        ({"q": "*:*", "rows": "many"}, "rows", "integer"),
        ({"q": "*:*", "wt": "xml"}, "wt", "json"),
        ({"q": "*:*", "facet.query": "x:y"}, "facet.query", "not supported"),
        ({"q": "createdDate_dt:[NOW-1DAY TO NOW]"}, "q", "date math"),
        ({"q": "*:*", "facet": "true", "facet.field": "nope_s"}, "facet.field", "not indexed"),
    ],
)
def test_unsupported_requests_get_a_clear_400(client, params, path, problem):
    r = client.get("/api/v2013/index", params=params)
    assert r.status_code == 400
    body = r.json()
    assert body["statusCode"] == 400 and body["errors"][0]["path"] == path
    assert problem in body["message"]


def test_documents_info_versions(client):
    doc = select(client, q="transformationEvent_s:MON810", fl="identifier_s,uniqueIdentifier_s")[
        "response"
    ]["docs"][0]
    ident, uid = doc["identifier_s"], doc["uniqueIdentifier_s"]
    body = client.get(f"/api/v2013/documents/{ident}").json()
    assert body["header"]["identifier"] == ident and body["transformationEvent"] == "MON810"
    assert client.get(f"/api/v2013/documents/{uid.upper()}").json() == body
    info = client.get(f"/api/v2013/documents/{ident}/info").json()
    assert info == client.get(f"/api/v2013/documents/{ident}?info").json()
    assert info["body"] == body and info["revision"] == info["latestRevision"] == 1
    assert info["realm"] == "BCH" and info["title"]["en"].startswith("MON-ØØ81Ø-6")
    for key in (
        "createdOn",
        "createdBy",
        "updatedOn",
        "updatedBy",
        "submittedOn",
        "submittedBy",
        "metadata",
    ):
        assert key in info
    versions = client.get(f"/api/v2013/documents/{ident}/versions").json()
    assert [v["revision"] for v in versions] == [1]
    assert client.get(f"/api/v2013/documents/{ident}/versions/1").json() == body
    assert client.get(f"/api/v2013/documents/{ident}/versions/1/info").json()["revision"] == 1
    assert client.head(f"/api/v2013/documents/{ident}").status_code == 200
    assert client.get("/api/v2013/documents/no-such-record-here").status_code == 404
    assert client.get(f"/api/v2013/documents/{ident}/versions/7").status_code == 404


def test_thesaurus_and_countries(client):
    terms = client.get("/api/v2013/thesaurus/domains/DecisionScopes/terms").json()
    assert terms and {
        "termId",
        "identifier",
        "name",
        "title",
        "broaderTerms",
        "narrowerTerms",
    } <= set(terms[0])
    assert set(terms[0]["title"]) >= {"en", "fr"}
    one = client.get(f"/api/v2013/thesaurus/terms/{terms[0]['identifier']}").json()
    assert one["identifier"] == terms[0]["identifier"]
    assert client.get("/api/v2013/thesaurus/domains/NoSuchDomain/terms").status_code == 404
    countries = client.get("/api/v2013/countries").json()
    assert any(c["code"] == "CA" for c in countries)
    ca = client.get("/api/v2013/countries/CA").json()
    assert ca["name"]["fr"] == "Canada" and ca["code"] == "CA"
    assert client.get("/api/v2013/countries/XX").status_code == 404


def test_drafts_and_deleted_records_never_appear(services):
    published = services.records.publish(factories.organism("Solanum tuberosum"))
    gone = services.records.publish(factories.organism("Brassica napus"))
    services.records.delete(gone.identifier, reason="duplicate (test)")
    author = add_user(services, "draft-author@example.org", "user")
    draft = factories.organism("Oryza sativa")
    services.drafts.save(author, draft["header"]["identifier"], draft)
    with TestClient(create_app(services)) as c:
        body = c.get(
            "/api/v2013/index", params={"q": "*:*", "fl": "identifier_s", "rows": 100}
        ).json()
        found = {d["identifier_s"] for d in body["response"]["docs"]}
        assert found == {published.identifier}
        assert c.get(f"/api/v2013/documents/{draft['header']['identifier']}").status_code == 404
        assert c.get(f"/api/v2013/documents/{gone.identifier}").status_code == 410
