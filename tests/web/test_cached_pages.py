"""ETags of the anonymous pages kept by the page cache (issue 15, web/page_cache.py): a reader
holding the page's ETag gets a 304 without a body, from the fast path (api/fast_reads.py) and
from the route alike; a change of what the page shows gives a new ETag and the new page. On both
databases."""

from __future__ import annotations

from urllib.parse import quote

from tests import factories
from tests.accounts.helpers import client_for

PAGE = "/en/lmos/" + quote("MON-ØØ81Ø-6", safe="")


def test_a_kept_page_answers_its_etag_with_304(loaded_copy):
    svc = loaded_copy
    with client_for(svc) as client:
        first = client.get(PAGE)
        etag = first.headers["etag"]
        assert first.status_code == 200 and etag.startswith('"p')
        again = client.get(PAGE)  # the fast path: the same bytes and ETag
        assert again.content == first.content and again.headers["etag"] == etag
        hits = svc.page_cache.hits
        r = client.get(PAGE, headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
        assert svc.page_cache.hits == hits + 1
        assert "content-security-policy" in r.headers  # the middlewares still apply
        other = client.get(PAGE, headers={"If-None-Match": '"p-not-this-one"'})
        assert other.status_code == 200 and other.content == first.content
        # through the route (a cookie that the fast path leaves to it): its own page and ETag
        client.cookies.set("bch_external", "auto")
        auto = client.get(PAGE)
        assert auto.status_code == 200 and auto.headers["etag"] != etag
        r = client.get(PAGE, headers={"If-None-Match": auto.headers["etag"]})
        assert r.status_code == 304 and r.content == b""
        client.cookies.clear()
        # a new revision of one of its decisions: the old ETag gets the new page
        lmo = svc.lmos.find("MON-00810-6").record
        decision = next(d for f, d in lmo.referenced_by if f == "modifiedOrganisms").identifier
        body = svc.records.get(decision).document
        marker = "zqetag" + factories.ident("t").replace("-", "")
        body["title"] = {**body.get("title", {}), "en": f"Decision {marker}"}
        svc.records.publish(body, strict=False)
        new = client.get(PAGE, headers={"If-None-Match": etag})
        assert new.status_code == 200 and marker in new.text
        assert new.headers["etag"] != etag


def test_a_signed_in_reader_gets_no_kept_etag(loaded_copy):
    """Only the anonymous page is kept and tagged: a signed-in reader's If-None-Match of the
    anonymous page's ETag is never answered with a 304."""
    from tests.accounts.helpers import PASSWORD, add_user

    svc = loaded_copy
    add_user(svc, "etag-reader@example.org", "user", password=PASSWORD)
    with client_for(svc) as client:
        etag = client.get(PAGE).headers["etag"]
        r = client.post(
            "/api/v1/auth/login", json={"email": "etag-reader@example.org", "password": PASSWORD}
        )
        assert r.status_code == 200
        mine = client.get(PAGE, headers={"If-None-Match": etag})
        assert mine.status_code == 200 and "/en/sign-out" in mine.text
        assert "etag" not in mine.headers
