"""The hot read path (issue 15 item 2, api/fast_reads.py): anonymous record GETs and LMO pages
answered from the read cache before routing. Each answer must be the one the route gives, be
forgotten when the change sequence moves (publish, new revision, tombstone), differ per
language, never reach a signed-in reader, and keep the headers and 304s of the full path.
On both databases."""

from __future__ import annotations

from urllib.parse import quote

from tests import factories
from tests.accounts.helpers import PASSWORD, add_user, bearer, client_for

MON810 = "/{lang}/lmos/" + quote("MON-ØØ81Ø-6", safe="")


def _hits(svc) -> int:
    return svc.read_cache.hits


def _retitle(svc, decision: str) -> str:
    """A new revision of a decision with a marker in its English title; the marker."""
    body = svc.records.get(decision).document
    marker = "zqdecision" + factories.ident("t").replace("-", "")
    body["title"] = {**body.get("title", {}), "en": f"Decision {marker}"}
    svc.records.publish(body, strict=False)
    return marker


def test_record_answer_is_kept_until_the_record_changes(services, monkeypatch):
    doc = factories.organism("Zea mays", commonNames={"en": "maize (first)"})
    ident = services.records.publish(doc).identifier
    with client_for(services) as client:
        first = client.get(f"/api/v1/records/{ident}")
        assert first.status_code == 200 and "maize (first)" in first.text
        before = _hits(services)
        peeks = []
        peek = services.read_cache.peek
        monkeypatch.setattr(services.read_cache, "peek", lambda key: peeks.append(key) or peek(key))
        again = client.get(f"/api/v1/records/{ident}")
        assert _hits(services) == before + 1  # answered from the cache
        assert peeks == [("record", ident, None)]  # by the fast path, before routing
        assert again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
        assert again.headers["content-type"] == "application/json"
        # a new revision: the next read shows it at once, with a new ETag
        doc["commonNames"] = {"en": "maize (second)"}
        services.records.publish(doc)
        second = client.get(f"/api/v1/records/{ident}")
        assert "maize (second)" in second.text and "maize (first)" not in second.text
        assert second.headers["etag"] != first.headers["etag"]
        assert client.get(f"/api/v1/records/{ident}").content == second.content
        # a tombstone: gone at once, never the cached answer
        services.records.delete(ident, reason="withdrawn (test)")
        assert client.get(f"/api/v1/records/{ident}").status_code in (404, 410)


def _hit_or_miss(svc, cache, client, path: str):
    """GET path; (the response, "hit" or "miss") in the cache named."""
    cache = getattr(svc, cache)
    hits, misses = cache.hits, cache.misses
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert (cache.hits - hits, cache.misses - misses) in ((1, 0), (0, 1))
    return r, "hit" if cache.hits > hits else "miss"


def test_a_change_forgets_only_the_answers_made_of_what_it_touched(services):
    """Kept per record, not per change of the database: another record's publication keeps
    the answer; a record that starts linking to it, changes its title while linking to it, or
    stops linking to it is seen by the next read (the answer lists its referrers)."""
    org = factories.organization("Canadian Food Inspection Agency")
    ident = services.records.publish(org, strict=False).identifier
    path = f"/api/v1/records/{ident}"
    with client_for(services) as client:
        first, _ = _hit_or_miss(services, "read_cache", client, path)
        assert _hit_or_miss(services, "read_cache", client, path)[1] == "hit"
        services.records.publish(factories.organization("Health Canada"), strict=False)
        again, how = _hit_or_miss(services, "read_cache", client, path)
        assert how == "hit" and again.content == first.content
        contact = factories.contact("Linked (synthetic)")
        contact["organization"] = {"identifier": ident}
        services.records.publish(contact)  # a link to it appears
        linked, how = _hit_or_miss(services, "read_cache", client, path)
        assert how == "miss"
        assert [e["identifier"] for e in linked.json()["referencedBy"]] == [
            contact["header"]["identifier"]
        ]
        assert "Linked (synthetic)" in linked.text
        contact["lastName"] = "Renamed (synthetic)"
        services.records.publish(contact)  # the referrer's title changes
        renamed, how = _hit_or_miss(services, "read_cache", client, path)
        assert how == "miss" and "Renamed (synthetic)" in renamed.text
        assert "Linked (synthetic)" not in renamed.text
        del contact["organization"]
        services.records.publish(contact)  # the link goes
        unlinked, how = _hit_or_miss(services, "read_cache", client, path)
        assert how == "miss" and unlinked.json()["referencedBy"] == []
        assert _hit_or_miss(services, "read_cache", client, path)[1] == "hit"


def test_concurrent_misses_compute_an_answer_once(services):
    """Single flight: requests asking at once for an answer not cached wait for one
    computation instead of each computing it."""
    import threading
    import time

    calls, start = [], threading.Barrier(8)

    def compute():
        calls.append(1)
        time.sleep(0.3)
        return ("answer", len(calls))

    def ask(out: list):
        start.wait()
        out.append(services.read_cache.get(("single-flight-test",), compute))

    out: list = []
    threads = [threading.Thread(target=ask, args=(out,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and out == [("answer", 1)] * 8


def test_cached_record_keeps_headers_and_answers_304(services):
    ident = services.records.publish(factories.organism("Solanum tuberosum")).identifier
    with client_for(services) as client:
        full = client.get(f"/api/v1/records/{ident}")  # the route renders and remembers it
        hit = client.get(f"/api/v1/records/{ident}")
        for name in ("etag", "last-modified", "vary", "content-type", "content-length"):
            assert hit.headers[name] == full.headers[name], name
        # the middlewares around it still apply: CORS, security headers, request id
        for name in ("access-control-allow-origin", "x-content-type-options", "x-request-id"):
            assert name in hit.headers, name
        r = client.get(f"/api/v1/records/{ident}", headers={"If-None-Match": full.headers["etag"]})
        assert r.status_code == 304 and r.content == b""
        assert r.headers["etag"] == full.headers["etag"]
        since = {"If-Modified-Since": full.headers["last-modified"]}
        assert client.get(f"/api/v1/records/{ident}", headers=since).status_code == 304
        stale = {"If-None-Match": '"not-this-one"'}
        r = client.get(f"/api/v1/records/{ident}", headers=stale)
        assert r.status_code == 200 and r.content == full.content
        # JSON-LD is not the cached JSON
        ld = client.get(f"/api/v1/records/{ident}", headers={"Accept": "application/ld+json"})
        assert ld.headers["content-type"].startswith("application/ld+json")


def test_a_signed_in_reader_never_gets_the_anonymous_answer(services):
    marker = "zqconfidential" + factories.ident("m").replace("-", "")
    doc = factories.organism("Gossypium hirsutum", notes={"en": f"Confidential {marker}"})
    ident = services.records.publish(doc, by="seed").identifier
    add_user(services, "sec@example.org", "secretariat", password=PASSWORD)
    with client_for(services) as client:
        for _ in range(2):  # the second from the cache
            anonymous = client.get(f"/api/v1/records/{ident}")
            assert anonymous.status_code == 200 and marker not in anonymous.text
        signed_in = client.get(
            f"/api/v1/records/{ident}", headers=bearer(client, "sec@example.org")
        )
        assert signed_in.status_code == 200 and marker in signed_in.text
        assert marker not in client.get(f"/api/v1/records/{ident}").text
        # a bad token is refused, never answered anonymously from the cache
        bad = client.get(f"/api/v1/records/{ident}", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401


def test_lmo_page_is_kept_per_language_and_never_shown_signed_in(loaded_copy):
    svc = loaded_copy
    add_user(svc, "reader@example.org", "user", password=PASSWORD)
    with client_for(svc) as client:
        en = client.get(MON810.format(lang="en"))
        assert en.status_code == 200 and 'lang="en"' in en.text and "/en/sign-in" in en.text
        before = svc.page_cache.hits
        en_again = client.get(MON810.format(lang="en"))
        assert svc.page_cache.hits == before + 1 and en_again.content == en.content
        assert en_again.headers["content-type"] == "text/html; charset=utf-8"
        assert "content-security-policy" in en_again.headers
        fr = client.get(MON810.format(lang="fr"))
        assert fr.status_code == 200 and 'lang="fr"' in fr.text and fr.content != en.content
        assert client.get(MON810.format(lang="fr")).content == fr.content
        # a signed-in reader gets their own page (signed in: the sign-out form), not the cached one
        r = client.post(
            "/api/v1/auth/login", json={"email": "reader@example.org", "password": PASSWORD}
        )
        assert r.status_code == 200
        mine = client.get(MON810.format(lang="en"))
        assert "/en/sign-out" in mine.text and "/en/sign-out" not in en.text
        client.cookies.clear()
        assert client.get(MON810.format(lang="en")).content == en.content
        # a publication that touches nothing the page shows keeps it
        svc.records.publish(factories.authority("KE"))
        svc.records.publish(factories.organism("Zea mays"))
        page = MON810.format(lang="en")
        same, how = _hit_or_miss(svc, "page_cache", client, page)
        assert how == "hit" and same.content == en.content
        # a new revision of one of its decisions is on the next page (rendered again)
        lmo = svc.lmos.find("MON-00810-6").record
        decision = next(
            d for field, d in lmo.referenced_by if field == "modifiedOrganisms"
        ).identifier
        marker = _retitle(svc, decision)
        changed, how = _hit_or_miss(svc, "page_cache", client, page)
        assert how == "miss" and marker in changed.text and marker not in en.text
        # other spellings redirect to the canonical page, from the cache too
        for spelling in ("MON-00810-6", "MON810", "MON-00810-6", "MON810"):
            r = client.get(f"/en/lmos/{spelling}", follow_redirects=False)
            assert r.status_code in (301, 302), spelling
            assert r.headers["location"] == MON810.format(lang="en"), spelling
        assert client.get("/en/lmos/NOT-AN-LMO", follow_redirects=False).status_code == 404


def test_a_cache_made_after_the_first_look_up_keeps_answers(services):
    """A cache subscribing to the change follower late starts from the sequence it has seen
    (else nothing computed before the next change would ever be kept)."""
    from bch.services.read_cache import ReadCache

    services.read_cache.peek(("any",))  # the follower has looked at the sequence
    late = ReadCache(services.change_follower, size=8)
    assert late.get(("k",), lambda: "v") == "v"
    assert late.peek(("k",)) == "v" and late.hits == 1


def test_lmo_json_by_uid_is_kept_until_a_change_touches_it(loaded_copy):
    """GET /api/v1/lmos/{uid}: from the read cache (fast path) until a new revision of one of
    its decisions, then that revision at once; per spelling of the UID."""
    svc = loaded_copy
    path = "/api/v1/lmos/MON-00810-6"
    with client_for(svc) as client:
        first, how = _hit_or_miss(svc, "read_cache", client, path)
        assert how == "miss" and first.json()["uniqueIdentification"] == "MON-ØØ81Ø-6"
        again, how = _hit_or_miss(svc, "read_cache", client, path)
        assert how == "hit" and again.content == first.content
        other = _hit_or_miss(svc, "read_cache", client, "/api/v1/lmos/" + quote("MON-ØØ81Ø-6"))
        assert (
            other == (other[0], "miss")
            and other[0].json()["identifier"] == first.json()["identifier"]
        )
        svc.records.publish(factories.organism("Zea mays"))  # touches nothing it shows
        assert _hit_or_miss(svc, "read_cache", client, path)[1] == "hit"
        decision = first.json()["decisions"][0]["identifier"]
        marker = _retitle(svc, decision)
        changed, how = _hit_or_miss(svc, "read_cache", client, path)
        assert how == "miss" and marker in changed.text and marker not in first.text
        assert _hit_or_miss(svc, "read_cache", client, path)[1] == "hit"
