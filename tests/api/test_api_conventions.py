"""Conventions of the v1 API: search in six languages, conditional GET (ETag, Last-Modified,
304), JSON-LD and the vocabulary, the info envelope, thesaurus and countries, CORS, rate
limits, the local docs page and OpenAPI (both backends)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.api.conventions import RateLimiter
from bch.services import ratelimit
from tests import factories

FAO = {  # the official names of the FAO in the six UN languages
    "ar": "منظمة الأغذية والزراعة للأمم المتحدة",
    "en": "Food and Agriculture Organization of the United Nations",
    "es": "Organización de las Naciones Unidas para la Alimentación y la Agricultura",
    "fr": "Organisation des Nations Unies pour l'alimentation et l'agriculture",
    "ru": "Продовольственная и сельскохозяйственная организация Объединенных Наций",
    "zh": "联合国粮食及农业组织",
}


@pytest.fixture
def client(services):
    with TestClient(create_app(services)) as c:
        yield c


@pytest.fixture
def fao(services) -> str:
    doc = factories.organization()
    doc["header"]["languages"] = sorted(FAO)
    doc["name"] = dict(FAO)
    doc["country"] = {"identifier": "IT"}  # headquarters in Rome
    cfia = {**factories.organization(), "country": {"identifier": "CA"}}
    services.records.publish_many([doc, cfia], by="test")
    return doc["header"]["identifier"]


@pytest.mark.parametrize(
    "q",
    [
        "农业",  # Chinese has no spaces: bigrams find a word inside the name
        "农业组织",
        "agricultura",
        "alimentation",
        "agricultural",  # English stemming: agriculture
        "сельскохозяйственная",
        "Продовольств",  # prefix
        "الأغذية",
    ],
)
def test_search_in_each_language(client, fao, q):
    items = client.get("/api/v1/records", params={"q": q}).json()["items"]
    assert [i["identifier"] for i in items] == [fao]


def test_cjk_words_must_be_contiguous(client, fao):
    assert client.get("/api/v1/records", params={"q": "粮食农业"}).json()["items"] == []


def test_display_title_follows_the_language(client, fao):
    for lang, expected in [("zh", FAO["zh"]), ("ru", FAO["ru"])]:
        r = client.get("/api/v1/records", params={"q": "agriculture", "lang": lang})
        assert r.json()["items"][0]["displayTitle"] == expected
    other = client.get("/api/v1/records?lang=zh").json()["items"]
    cfia = next(i for i in other if i["identifier"] != fao)
    assert cfia["displayTitle"] == "Canadian Food Inspection Agency"  # falls back to English


def test_conditional_get_json_ld_and_info(client, services, fao):
    r = client.get(f"/api/v1/records/{fao}")
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert client.get(f"/api/v1/records/{fao}", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get(f"/api/v1/records/{fao}", headers={"If-Modified-Since": modified}).status_code
        == 304
    )
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (
        client.get(f"/api/v1/records/{fao}", headers={"If-Modified-Since": old}).status_code == 200
    )
    ld = client.get(f"/api/v1/records/{fao}", headers={"Accept": "application/ld+json"})
    assert ld.headers["content-type"].startswith("application/ld+json")
    body = ld.json()
    assert "Organization" in body["@type"] and body["bch:name"]["zh"] == FAO["zh"]
    vocab = client.get("/api/v1/vocab").json()
    assert any(n["@id"] == "bch:organization" for n in vocab["@graph"])
    doc = services.records.get(fao).document
    services.records.publish({**doc, "name": {**FAO, "en": FAO["en"] + " (FAO)"}}, by="editor")
    info = client.get(f"/api/v1/records/{fao}/info").json()
    assert (info["revision"], info["latestRevision"], info["revisions"]) == (2, 2, 2)
    assert (info["createdBy"], info["updatedBy"]) == ("test", "editor")
    # the new revision changes the ETag
    assert client.get(f"/api/v1/records/{fao}", headers={"If-None-Match": etag}).status_code == 200


def test_thesaurus_and_countries(client):
    domains = client.get("/api/v1/thesaurus/domains").json()["items"]
    assert any(d["name"] == "DecisionResults" for d in domains)
    terms = client.get("/api/v1/thesaurus/domains/dnaSequenceTraits/terms").json()["items"]
    assert len(terms) > 10
    term = client.get("/api/v1/thesaurus/terms/dnaSequenceTraits.herbicides").json()
    assert any(n["identifier"] == "dnaSequenceTraits.glyphosate" for n in term["narrower"])
    assert client.get("/api/v1/thesaurus/terms/nope").status_code == 404
    countries = client.get("/api/v1/countries").json()["items"]
    assert len(countries) == 250  # ISO 3166-1 and the EU
    ca = client.get("/api/v1/countries/ca").json()
    assert ca["name"]["zh"] == "加拿大" and ca["subregion"] == "Northern America"
    assert ca["treaty"] is None  # no source data for party status is shipped
    assert client.get("/api/v1/countries/XX").status_code == 404


def test_cors_on_public_reads_only(client):
    r = client.get("/api/v1/records?limit=1", headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "Link" in r.headers["access-control-expose-headers"]
    pre = client.options(
        "/api/v1/changes",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert pre.status_code == 204 and "GET" in pre.headers["access-control-allow-methods"]
    post = client.post("/api/v1/validate", json={}, headers={"Origin": "https://example.org"})
    assert "access-control-allow-origin" not in post.headers
    pre = client.options(
        "/api/v1/validate",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in pre.headers


def test_rate_limit_answers_429_with_retry_after(services, monkeypatch):
    app = create_app(services.configured(BCH_RATE_LIMIT="1,3"))
    with TestClient(app) as c:
        codes = [c.get("/api/v1/countries/CA").status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429
        r = c.get("/api/v1/countries/CA")
        assert int(r.headers["retry-after"]) >= 1 and r.json()["code"] == "tooManyRequests"
        other = c.get("/api/v1/countries/CA", headers={"Authorization": "Bearer another"})
        assert other.status_code == 429  # an invalid token counts against the client's address
    with TestClient(app, client=("198.51.100.1", 50000)) as c:
        assert c.get("/api/v1/countries/CA").status_code == 200  # buckets are per client


def test_token_bucket_says_how_long_to_wait(monkeypatch):
    now = [1000.0]  # the bucket's clock, moved by the test (not the machine's speed)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(monotonic=lambda: now[0]))
    bucket = RateLimiter(rate=0.5, burst=2)
    assert bucket.take("a") == bucket.take("a") == 0
    assert bucket.take("a") == 2.0  # one token every two seconds
    assert bucket.take("b") == 0
    now[0] += 1.5
    assert bucket.take("a") == 0.5
    now[0] += 0.5
    assert bucket.take("a") == 0 and bucket.take("a") > 0


def test_docs_page_uses_local_assets_and_openapi_lists_the_api(client):
    page = client.get("/docs").text
    hosts = re.findall(r"(?:src|href)=\"(https?://[^\"]+)", page)
    assert hosts == []
    for asset in re.findall(r"(?:src|href)=\"(/[^\"]+)", page):
        assert client.get(asset).status_code == 200, asset
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/v1/records", "/api/v1/changes", "/api/v1/export/{name}", "/api/v1/countries"):
        assert p in paths
