"""A harvester written for the CBD index API, modelled on scbd/api-examples NodeJS
fetch-all-ircc.js (page the Solr index with start/rows over fq=schema_s:X, then GET each
/api/v2013/documents/{id}/info), runs unchanged against a real server of ours: only the host
differs. It uses nothing but the standard library, as a third party's script would."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from tests.oai.live import live_server


def fetch_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - test server
        return json.loads(response.read().decode("utf-8"))


def fetch_all(base_url: str, schema: str, rows: int = 100) -> list[dict]:
    """The harvester: every public record of `schema`, as /info envelopes."""
    records = []
    start = 0
    while True:
        query = urllib.parse.urlencode(
            [
                ("q", "*:*"),
                ("fq", f"schema_s:{schema}"),
                ("fq", "realm_ss:bch"),
                ("fq", "_state_s:public"),
                ("fq", "NOT version_s:*"),
                ("fl", "identifier_s,uniqueIdentifier_s,title_t,updatedDate_dt"),
                ("sort", "updatedDate_dt asc, identifier_s asc"),
                ("start", str(start)),
                ("rows", str(rows)),
                ("wt", "json"),
            ]
        )
        result = fetch_json(f"{base_url}/api/v2013/index/select?{query}")
        docs = result["response"]["docs"]
        for doc in docs:
            records.append(fetch_json(f"{base_url}/api/v2013/documents/{doc['identifier_s']}/info"))
        start += len(docs)
        if not docs or start >= result["response"]["numFound"]:
            return records


def test_the_cbd_style_harvester_runs_against_our_host(loaded):
    with loaded.store.reading() as conn:
        expected = loaded.store.counts_by_schema(conn)
    with live_server(loaded) as base:
        decisions = fetch_all(base, "biosafetyDecision")
        organisms = fetch_all(base, "organism", rows=7)  # several pages
    for schema, records in (("biosafetyDecision", decisions), ("organism", organisms)):
        identifiers = [r["identifier"] for r in records]
        assert len(identifiers) == len(set(identifiers)) == expected[schema] > 0
        assert all(r["body"]["header"]["schema"] == schema for r in records)
        assert all(r["body"]["header"]["identifier"] == r["identifier"] for r in records)
    # Canada's decisions and Australia's field-trial licences (issue 16 item 4)
    assert {r["metadata"]["government"] for r in decisions} == {"ca", "au"}
    assert any(r["body"].get("scientificName") == "Zea mays" for r in organisms)
