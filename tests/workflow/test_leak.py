"""Nothing unpublished or confidential leaks through any read surface.

Plants drafts (new records and an unpublished edit of a published one), pending, rejected and
expired requests, and confidential (Art. 21) values on published records, each carrying a unique
marker; then reads every read surface of the application that exists (records, search, change
feed, exports, OAI-PMH, the v2013 compatibility API, widgets and embeds, web pages) as an
anonymous caller and as users of another country, and fails on any marker. A control marker on a
published record must be found, so the scan itself is proven to see published content."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from starlette.routing import Match

from bch.storage.rows import utcnow
from tests import factories
from tests.accounts.helpers import PASSWORD, add_user, bearer, client_for, kenyan_authority

# read surfaces, built or being built by the project: {m} = a marker, {id} = an identifier or
# UID of a planted record, {schema} = a record type. Those whose route does not exist are skipped.
SURFACES = [
    "/api/v1/records?limit=1000",
    "/api/v1/records?q={m}",
    "/api/v1/records?q={m}&facet=schema&facet=country",
    "/api/v1/records/{id}",
    "/api/v1/records/{id}/info",
    "/api/v1/records/{id}/versions",
    "/api/v1/changes?limit=1000",
    "/api/v1/export",
    "/api/v1/export/{schema}.ndjson",
    "/api/v1/export/{schema}.derived.ndjson",  # the rows derived from each record too
    "/api/v1/export/{schema}.csv",
    "/api/v1/export/{schema}.json",
    "/api/v1/lmos/{id}",
    "/oai?verb=ListRecords&metadataPrefix=oai_dc",
    "/oai?verb=ListRecords&metadataPrefix=bch",
    "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
    "/api/v2013/index?q={m}&wt=json",
    "/api/v2013/index?q=*:*&rows=1000&wt=json",
    "/api/v2013/index/select?q=*:*&rows=1000&wt=json",
    "/api/v2013/documents/{id}",
    "/api/v2013/documents/{id}/info",
    "/api/v2013/documents/{id}/versions",
    "/widgets/search?q={m}",
    "/widgets/record/{id}",
    "/embed/record/{id}",
    "/oembed?url=/api/v1/records/{id}",
    "/en/search?q={m}",
    "/en/records/{id}",
    "/fr/search?q={m}",
    "/en/",
    "/sitemap.xml",
]
SCHEMAS = ["biosafetyDecision", "authority", "organism", "contact"]
QUERY_WORDS = ["Synthetic", "Renamed"]


def route_exists(app, url: str) -> bool:
    scope = {
        "type": "http",
        "method": "GET",
        "path": urlsplit(url).path,
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "app": app,
    }
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


def _m(name: str) -> str:
    return f"zq{name}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def planted(services):
    svc = services
    marks = {k: _m(k) for k in ("draft", "pending", "rejected", "expired", "edit", "conf", "phone")}
    control = _m("control")
    ke_nfp = add_user(svc, "nfp-ke@example.org", "nfp", "KE", password=PASSWORD)
    ke_nau = add_user(svc, "nau-ke@example.org", "nau", "KE", password=PASSWORD)
    user = add_user(svc, "user@example.org", "user", password=PASSWORD)
    add_user(svc, "nfp-ca@example.org", "nfp", "CA", password=PASSWORD)
    add_user(svc, "nau-ca@example.org", "nau", "CA", password=PASSWORD)

    cna = kenyan_authority()
    svc.drafts.save(ke_nfp, cna["header"]["identifier"], cna)
    published_cna = svc.workflow.publish_draft(ke_nfp, cna["header"]["identifier"]).published

    def decision(mark: str) -> dict:
        return {
            "header": {
                "identifier": factories.ident("dec-ke"),
                "schema": "biosafetyDecision",
                "languages": ["en", "fr"],
            },
            "government": {"identifier": "KE"},
            "authorities": [{"identifier": cna["header"]["identifier"]}],
            "title": {"en": f"Synthetic decision {mark}", "fr": f"Décision synthétique {mark}"},
            "date": "2022-10-03",
            "isAmendment": False,
            "expires": False,
            "decisionTypes": [{"identifier": "BE64016A-C3BD-4C61-9620-C3FEF96B2A24"}],
            "relevantInformation": {"en": f"<p>{mark}</p>"},
        }

    ids = {}
    for key in ("draft", "pending", "rejected", "expired"):
        doc = decision(marks[key])
        ids[key] = doc["header"]["identifier"]
        svc.drafts.save(ke_nau, ids[key], doc)
        if key != "draft":
            req = svc.workflow.publish_draft(ke_nau, ids[key], message=marks[key]).request
            if key == "rejected":
                svc.workflow.reject(ke_nfp, req["id"], reason=f"not yet {marks[key]}")
            if key == "expired":
                svc.workflow.tick(now=utcnow() + timedelta(days=400))
    # an unpublished edit of a published record
    edit = svc.records.get(published_cna.uid).document
    edit["name"] = {"en": f"Renamed {marks['edit']}", "fr": f"Renommée {marks['edit']}"}
    svc.drafts.save(ke_nau, published_cna.identifier, edit, if_match=published_cna.uid)
    # a reference record proposed by a registered user, pending with the Secretariat
    orga = factories.organism("Zea mays", commonNames={"en": marks["pending"] + " maize"})
    svc.drafts.save(user, orga["header"]["identifier"], orga)
    svc.workflow.publish_draft(user, orga["header"]["identifier"])
    # confidential values on published records, and a control marker that must be found
    lmo_like = factories.organism(
        "Gossypium hirsutum",
        notes={"en": f"Confidential business information {marks['conf']}"},
        relevantInformation={"en": f"Published text {control}"},
    )
    conf = svc.records.publish(lmo_like, by="seed")
    contact = {
        "header": {"identifier": factories.ident("con"), "schema": "contact", "languages": ["en"]},
        "type": "person",
        "firstName": "Test",
        "lastName": "Person (synthetic)",
        "phones": [f"+254 {marks['phone']}"],
        "notes": {"en": marks["conf"]},
    }
    con = svc.records.publish(contact, by="seed")
    targets = [*ids.values(), published_cna.uid, conf.uid, con.uid, orga["header"]["identifier"]]
    return marks, control, targets


def _urls(app, marks: dict[str, str], control: str, targets: list[str]) -> list[str]:
    out = []
    for template in SURFACES:
        fills = [template]
        if "{m}" in template:
            # search with a prefix of each marker (search surfaces echo the query) and with words
            # of the planted documents; finding the whole marker in an answer is a leak
            queries = [m[:-3] for m in [*marks.values(), control]] + QUERY_WORDS
            fills = [template.replace("{m}", quote(q)) for q in queries]
        if "{id}" in template:
            fills = [f.replace("{id}", quote(t, safe="")) for f in fills for t in targets]
        if "{schema}" in template:
            fills = [f.replace("{schema}", s) for f in fills for s in SCHEMAS]
        out.extend(f for f in fills if route_exists(app, f))
    return out


def _oai_pages(client, url: str, headers: dict) -> list[str]:
    """An OAI-PMH list and its resumption pages."""
    texts = []
    for _ in range(50):
        r = client.get(url, headers=headers)
        texts.append(r.text)
        token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", r.text)
        if not token:
            break
        verb = re.search(r"verb=(\w+)", url).group(1)
        url = f"/oai?verb={verb}&resumptionToken={quote(token.group(1), safe='')}"
    return texts


def scan(client, headers: dict, urls: list[str], marks: dict[str, str], control: str):
    """(leaks as (url, marker name), whether the control marker was seen)."""
    leaks, seen_control = [], False
    for url in urls:
        texts = _oai_pages(client, url, headers) if url.startswith("/oai") else None
        if texts is None:
            r = client.get(url, headers=headers)
            assert r.status_code < 500, (url, r.status_code, r.text[:300])
            texts = [r.text]
        body = "\n".join(texts)
        seen_control |= control in body
        leaks += [(url, name) for name, m in marks.items() if m in body]
    return leaks, seen_control


@pytest.mark.parametrize("who", ["anonymous", "nfp-ca@example.org"])
def test_no_draft_request_or_confidential_value_leaks(services, planted, who):
    marks, control, targets = planted
    with client_for(services) as client:
        headers = {} if who == "anonymous" else bearer(client, who)
        urls = _urls(client.app, marks, control, targets)
        paths = {urlsplit(u).path for u in urls}
        # the core surfaces exist; the others are scanned as soon as they do
        assert {"/api/v1/records", "/api/v1/changes"} <= paths
        leaks, seen_control = scan(client, headers, urls, marks, control)
    assert not leaks, f"{who} sees unpublished or confidential content: {leaks[:10]}"
    assert seen_control, "the scan found not even the published control marker"
    assert len(urls) >= 20


def test_the_scan_would_catch_a_leak(services, planted):
    """Publishing a planted draft makes the same scan report it: the leak test is not blind."""
    marks, control, targets = planted
    with services.engine.connect() as conn:
        nfp = services.accounts.users.principal(
            conn, services.accounts.users.by_email(conn, "nfp-ke@example.org")
        )
    [draft] = [d for d in services.drafts.list(nfp) if marks["draft"] in str(d.document)]
    services.workflow.publish_draft(nfp, draft.identifier)
    with client_for(services) as client:
        urls = [u for u in _urls(client.app, marks, control, targets) if "/api/v1/" in u]
        leaks, _ = scan(client, {}, urls, marks, control)
    where = {url.split("?")[0] for url, name in leaks if name == "draft"}
    assert {"/api/v1/records", "/api/v1/changes"} <= where or "/api/v1/records" in where
    assert all(name == "draft" for _, name in leaks)


def test_confidential_fields_are_shown_to_the_secretariat(services, planted):
    marks, _, targets = planted
    add_user(services, "sec@example.org", "secretariat", password=PASSWORD)
    with client_for(services) as client:
        r = client.get(
            f"/api/v1/records/{quote(targets[-3], safe='')}",
            headers=bearer(client, "sec@example.org"),
        )
    assert r.status_code == 200
    # the record read is principal-aware only where the surface passes the caller; anonymous
    # reads never show it (asserted above). The service itself shows it to the Secretariat:
    with services.engine.connect() as conn:
        sec = services.accounts.users.principal(
            conn, services.accounts.users.by_email(conn, "sec@example.org")
        )
    assert marks["conf"] in str(services.records.get(targets[-3], principal=sec).document)


DERIVED_DUMPS = ["{schema}.derived.ndjson", "{schema}.derived.ndjson.gz"]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("sec@example.org", {"conf", "phone", "ke", "ca"}),  # every confidential field
        ("nau-ke@example.org", {"ke"}),  # its own country's only
        ("nfp-ca@example.org", {"ca"}),
    ],
)
def test_derived_dumps_with_a_token_hold_what_the_caller_may_read(services, planted, who, sees):
    """A dump with derived rows asked with a token (a node's mirror, a harvester with an
    account) holds every published record of the type, each document exactly as the record read
    gives that caller (confidential fields of the countries it may see, and only those), the
    same derived rows as the anonymous dump, and never a draft or a request."""
    import gzip

    import orjson

    from bch.services.search import SearchQuery

    marks, _control, _targets = planted
    add_user(services, "sec@example.org", "secretariat", password=PASSWORD)
    owned = {"ke": _m("ke"), "ca": _m("ca")}  # confidential notes of a Kenyan, a Canadian record
    for doc, mark in ((kenyan_authority(), owned["ke"]), (factories.authority("CA"), owned["ca"])):
        services.records.publish({**doc, "notes": {"en": f"Confidential {mark}"}}, by="seed")
    everything = {**marks, **owned}
    with services.engine.connect() as conn:
        principal = services.accounts.users.principal(
            conn, services.accounts.users.by_email(conn, who)
        )
    seen: set[str] = set()
    with client_for(services) as client:
        headers = bearer(client, who)
        for schema in SCHEMAS:
            hits = services.search.search(SearchQuery(filters={"schema": [schema]}, limit=1000))
            published = sorted(d.identifier for d in hits.items)  # none: drafts, requests
            for name in DERIVED_DUMPS:
                url = "/api/v1/export/" + name.format(schema=schema)
                anonymous = client.get(url)
                answer = client.get(url, headers=headers)
                assert answer.status_code == anonymous.status_code == 200, answer.text[:300]
                texts = [r.content for r in (anonymous, answer)]
                if name.endswith(".gz"):
                    texts = [gzip.decompress(t) for t in texts]
                public, mine = ([orjson.loads(x) for x in t.splitlines()] for t in texts)
                assert mine[0]["_meta"]["records"] == len(mine) - 1
                items = mine[1:]
                assert sorted(i["identifier"] for i in items) == published
                rows = {i["identifier"]: i["derived"] for i in public[1:]}
                for item in items:
                    view = services.records.get(item["identifier"], principal=principal)
                    assert item["document"] == view.document, (who, item["identifier"])
                    assert item["derived"] == rows[item["identifier"]]
                body = texts[1].decode()
                seen |= {key for key, m in everything.items() if m in body}
    assert seen == sees, f"{who} got {sorted(seen)} in the dumps with derived rows"
