"""Numbers from outside (path, query, cursors, tokens) are checked at the edge: an id or revision
beyond what the database holds is a 404, a malformed or out-of-range parameter a 400 naming it,
never a 500 (SQLite overflows at 2**63, PostgreSQL's INTEGER revisions at 2**31; both backends)."""

from __future__ import annotations

import base64
import json
import string
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from bch.api.app import create_app
from bch.config import public_url
from bch.services.cursors import encode_cursor
from tests import factories
from tests.accounts.helpers import PASSWORD, add_user, bearer
from tests.module_db import BACKEND_PARAMS, module_database

HUGE = "99999999999999999999"


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def world(request, tmp_path_factory):
    """A record with two revisions, the Secretariat signed in with an API token: one per
    backend for the module's tests (they change no data; a database, three publishes, a user
    and an app per test were most of their set-up)."""
    with module_database(request, tmp_path_factory, "number_edges") as services:
        yield _world(services)


def _world(services):
    add_user(services, "sec@cbd.example.org", "secretariat", password=PASSWORD)
    doc = {**factories.organization(), "country": {"identifier": "CA"}}
    services.records.publish(doc, by="test")
    doc["name"] = {"en": "Canadian Food Inspection Agency (CFIA)"}
    uid = services.records.publish(doc, by="test").uid.rsplit("-", 1)[0]
    services.records.publish(factories.organism(), by="test")  # a second record: a next page
    client = TestClient(create_app(services), raise_server_exceptions=False)
    client.headers.update(bearer(client, "sec@cbd.example.org"))
    own_token = client.get("/api/v1/auth/tokens").json()["items"][0]["id"]
    return client, uid, own_token


def forged(token: str, **changes) -> str:
    position = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    position.update(changes)
    raw = json.dumps(position).encode()  # Python writes 1e+23, true, NaN as given
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def assert_uniform(r, status: int, path: str | None = None, words: str = "") -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["statusCode"] == status and body["code"] and body["message"]
    if path is not None:
        assert path in [e["path"] for e in body["errors"]], body
    assert words in body["message"] + json.dumps(body["errors"]), body
    return body


def test_listed_ids_and_revisions_beyond_the_database_are_404(world):
    client, uid, _own = world
    for url in [
        f"/api/v1/records/{uid}/versions/{HUGE}",
        f"/api/v1/records/{uid}/versions/{2**63}",
        f"/api/v1/records/{uid}/versions/{2**31}",  # PostgreSQL INTEGER overflow
        f"/api/v2013/documents/{uid}/versions/{HUGE}",
        f"/api/v2013/documents/{uid}/versions/{HUGE}/info",
        f"/api/v1/requests/{HUGE}",
    ]:
        assert_uniform(client.get(url), 404, words="numbered 1 to")
    assert_uniform(client.post(f"/api/v1/requests/{HUGE}/approve", json={}), 404)
    assert_uniform(client.post(f"/api/v1/requests/{HUGE}/reject", json={"reason": "x"}), 404)
    assert_uniform(client.delete(f"/api/v1/auth/tokens/{HUGE}"), 404, words="token")
    # in range but absent: the service's own 404; present: the revision
    assert client.get(f"/api/v1/records/{uid}/versions/{2**31 - 1}").status_code == 404
    assert client.get(f"/api/v1/records/{uid}/versions/2").json()["revision"] == 2


def test_malformed_path_numbers_are_400_naming_the_parameter(world):
    client, uid, _own = world
    for value in ["²", "١", "1_0", "-1", "0x1", "1.0"]:
        r = client.get(f"/api/v1/records/{uid}/versions/{quote(value)}")
        assert_uniform(r, 400, "path.revision", "ASCII digits")
    assert_uniform(client.get("/api/v1/requests/%C2%B2"), 400, "path.request_id")


def test_since_values_out_of_range_or_forged_are_400(world):
    client, _uid, _own = world
    good = client.get("/api/v1/changes", params={"limit": 1}).json()["next"]
    for since in [
        HUGE,
        "²",
        str(2**63),
        encode_cursor({"seq": True}),
        encode_cursor({"seq": 2**70}),
        encode_cursor({"seq": 1e23}),
        encode_cursor({"seq": "1"}),
        encode_cursor({"seq": -1}),
        forged(good, seq=None),
    ]:
        assert_uniform(client.get("/api/v1/changes", params={"since": since}), 400, "since")
    assert client.get("/api/v1/changes", params={"since": str(2**63 - 1)}).json()["items"] == []
    assert len(client.get("/api/v1/changes", params={"since": "0"}).json()["items"]) == 3


def test_search_cursors_with_huge_ids_are_400_in_both_engines(world):
    client, _uid, _own = world
    token = client.get("/api/v1/records", params={"limit": 1}).json()["next"]
    assert token
    for engine in ({}, {"e": None}):  # the bitmap index's cursor, and the SQL one
        for value in [2**70, 2**63, True, 1e23, -1, "5"]:
            cursor = forged(token, i=value, **engine)
            r = client.get("/api/v1/records", params={"limit": 1, "cursor": cursor})
            assert_uniform(r, 400, words="cursor")
    assert client.get("/api/v1/records", params={"limit": 1, "cursor": token}).status_code == 200


def test_audit_cursor_and_oai_token_numbers(world):
    client, _uid, _own = world
    for before in [1e23, 2**70, True, "3", 0]:
        r = client.get("/api/v1/audit", params={"cursor": encode_cursor({"before": before})})
        assert_uniform(r, 400, "cursor")
    good = client.get("/api/v1/audit", params={"cursor": encode_cursor({"before": 10})})
    assert good.status_code == 200 and isinstance(good.json()["items"], list)
    for a, n in [(1e23, 1), (2**70, 1), (True, 1), (1, 2**70), (1, -1)]:
        token = encode_cursor({"v": "ListRecords", "p": "oai_dc", "a": a, "n": n})
        r = client.get("/oai", params={"verb": "ListRecords", "resumptionToken": token})
        assert r.status_code == 200
        assert 'code="badResumptionToken"' in r.text


def test_web_page_revisions_out_of_range(world):
    client, uid, _own = world
    assert client.get(f"/en/records/{uid}/diff", params={"from": 1, "to": 2}).status_code == 200
    assert_uniform(client.get(f"/en/records/{uid}/diff?from=1&to={HUGE}"), 400, "query.to")
    assert_uniform(client.get(f"/en/records/{uid}/diff?from={HUGE}&to=1"), 400, "query.from")
    assert_uniform(client.get(f"/en/records/{uid}/diff?from=%C2%B2&to=1"), 400, "query.from")
    assert_uniform(client.get(f"/en/records/{uid}?revision={HUGE}"), 400, "query.revision")
    absent = client.get(f"/en/records/{uid}/diff", params={"from": 1, "to": 2**31 - 1})
    assert absent.status_code == 404 and "text/html" in absent.headers["content-type"]


def test_solr_integers_are_bounded_like_solr(world):
    client, _uid, _own = world
    for name, value in [("start", HUGE), ("start", str(2**31)), ("rows", "²"), ("rows", "1_0")]:
        r = client.get("/api/v2013/index", params={"q": "*:*", name: value})
        assert_uniform(r, 400, name, "ASCII digits")
    ok = client.get("/api/v2013/index", params={"q": "*:*", "start": str(2**31 - 1)})
    assert ok.json()["response"]["docs"] == []
    r = client.get(
        "/api/v2013/index",
        params={"q": "*:*", "facet": "true", "facet.field": "schema_s", "facet.limit": "-5"},
    )
    counts = r.json()["facet_counts"]["facet_fields"]["schema_s"]  # negative: no limit
    assert dict(zip(counts[::2], counts[1::2], strict=True)) == {"organism": 1, "organization": 1}


NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=string.digits + "²³¹٣۴߅१௧๓٠", min_size=1, max_size=25),
    st.text(max_size=8),
    st.sampled_from(["0", "1", "2", HUGE, str(2**31), str(2**63 - 1), str(2**63), "1e3"]),
)


def test_any_value_in_any_numeric_parameter_is_never_a_5xx(world):
    """Property: random integers and strings in every numeric path and query parameter give
    a 2xx, 3xx or a 4xx in the uniform error shape."""
    client, uid, own = world
    paths = [
        f"/api/v1/records/{uid}/versions/{{}}",
        f"/api/v2013/documents/{uid}/versions/{{}}",
        f"/api/v2013/documents/{uid}/versions/{{}}/info",
        "/api/v1/requests/{}",
    ]
    queries = [
        ("/api/v1/records", "limit", {}),
        ("/api/v1/changes", "since", {}),
        ("/api/v1/changes", "limit", {}),
        ("/api/v1/audit", "limit", {}),
        ("/api/v2013/index", "start", {"q": "*:*"}),
        ("/api/v2013/index", "rows", {"q": "*:*"}),
        ("/api/v2013/index", "facet.limit", {"facet": "true", "facet.field": "schema_s"}),
        ("/api/v2013/index", "facet.mincount", {"facet": "true", "facet.field": "schema_s"}),
        ("/oembed", "maxwidth", {"url": f"{public_url()}/en/records/{uid}"}),
        ("/embed/search", "limit", {}),
        (f"/en/records/{uid}", "revision", {}),
        (f"/en/records/{uid}/diff", "to", {"from": "1"}),
        ("/en/registries/lmos", "page_no", {}),
        ("/en/registries/lmos", "sort", {}),
    ]

    def check(r):
        assert r.status_code < 500, (r.request.url, r.text[:300])
        if r.status_code >= 400 and r.headers["content-type"].startswith("application/json"):
            body = r.json()
            assert body["statusCode"] == r.status_code and body["message"], body

    @settings(max_examples=25, deadline=None)
    @given(value=NUMBERS)
    def run(value):
        for template in paths:
            check(client.get(template.format(quote(value, safe=""))))
        for path, name, extra in queries:
            check(client.get(path, params={**extra, name: value}))
        for method in ("post", "delete"):
            url = f"/api/v1/requests/{quote(value, safe='')}/approve"
            if method == "delete":
                if value.isascii() and value.isdigit() and int(value) == own:
                    continue  # would revoke the token this test signs in with
                url = f"/api/v1/auth/tokens/{quote(value, safe='')}"
            check(client.request(method.upper(), url))

    run()


def test_numbers_inside_headers_and_documents(services):
    """If-Match revisions and pinned references (`id@3`) are ASCII digits too: a superscript
    is a stale ETag (412) or a broken reference (a validation problem), never a crash."""
    from bch.services.errors import PreconditionFailed
    from tests.accounts.helpers import kenyan_authority, kenyan_decision

    nfp = add_user(services, "nfp-ke@example.org", "nfp", "KE", password=PASSWORD)
    cna = kenyan_authority()
    ident = cna["header"]["identifier"]
    services.drafts.save(nfp, ident, cna)
    services.workflow.publish_draft(nfp, ident)
    for etag in ["²", '"²"', "١", HUGE, "0"]:
        with pytest.raises(PreconditionFailed):
            services.drafts.save(nfp, ident, cna, if_match=etag)
    services.drafts.save(nfp, ident, cna, if_match="1")  # the right revision is accepted

    def problems(pin: str) -> set[tuple[str, str]]:
        doc = kenyan_decision(f"{ident}@{pin}", "Synthetic decision", "Décision synthétique")
        return {(p.code, p.path) for p in services.records.validate(doc).errors}

    baseline = problems("1")  # the revision exists: only the decision's own gaps remain
    assert ("Error.BrokenReference", "authorities[0].identifier") not in baseline
    for pin in ["²", "١", "1_0", HUGE]:
        assert problems(pin) == baseline | {("Error.BrokenReference", "authorities[0].identifier")}


def test_web_forms_numbers(services):
    """The web account page's token lifetime and the token/request ids in form actions."""
    from tests.web.conftest import hidden, sign_in

    add_user(services, "nfp-ca@example.org", "nfp", "CA", password=PASSWORD)
    c = TestClient(create_app(services), follow_redirects=False)
    sign_in(c, "nfp-ca@example.org")
    csrf = hidden(c.get("/en/account").text, "csrf")
    for days in ["²", "١٠", HUGE, "-3"]:
        r = c.post("/en/account/tokens", data={"csrf": csrf, "name": "ci", "days": days})
        assert r.status_code == 400 and "text/html" in r.headers["content-type"], days
        assert "days" in r.text
    r = c.post("/en/account/tokens", data={"csrf": csrf, "name": "ci", "days": "7"})
    assert r.status_code == 200 and "shown only once" in r.text
    for url in [f"/en/account/tokens/{HUGE}/revoke", f"/en/queue/{HUGE}"]:
        r = c.post(url, data={"csrf": csrf, "decision": "approve"})
        assert r.status_code == 404, (url, r.text[:200])


def test_oai_until_the_last_representable_day(world):
    """until=9999-12-31 (a harvester's "no upper bound") has no day after it: not a 500."""
    client, _uid, _own = world
    for until in ["9999-12-31", "9999-12-31T23:59:59Z"]:
        r = client.get(
            "/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "until": until}
        )
        assert r.status_code == 200 and r.text.count("<header") == 2, r.text[-300:]  # both records
