"""The pages: the LMO, country and search pages link their Atom feed (in the head and visibly)
and carry a "Follow" form; the pages of the mails' links confirm, unsubscribe, list and delete."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import feedparser
import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from tests.accounts.helpers import Mailbox
from tests.alerts.helpers import confirm_link, publish

MON810 = "MON-ØØ81Ø-6"


@pytest.fixture(scope="module")
def web(loaded) -> TestClient:
    """One app per backend for the module's tests, which only read (an app and its search
    index per test were most of their time)."""
    return TestClient(create_app(loaded.configured(BCH_RATE_LIMIT="off")), follow_redirects=False)


@pytest.mark.parametrize(
    ("path", "hidden"),
    [
        (f"/en/lmos/{quote(MON810, safe='')}", ("lmoUid", MON810)),
        ("/fr/countries/CA", ("country", "CA")),
        ("/es/search?country=CA&q=maize", ("country", "CA")),
    ],
)
def test_pages_link_their_feed_and_follow_form(web, path, hidden):
    page = web.get(path)
    assert page.status_code == 200, page.text[:500]
    head = page.text.split("</head>", 1)[0]
    found = re.search(
        r'<link rel="alternate" type="application/atom\+xml"[^>]* href="([^"]+)"', head
    )
    assert found, head
    feed_url = html.unescape(found.group(1))
    assert f'href="{found.group(1)}"' in page.text.split("</head>", 1)[1]  # a visible link too
    assert f'name="f.{hidden[0]}" value="{hidden[1]}"' in page.text
    answer = web.get(feed_url)
    assert answer.status_code == 200
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.entries, feed_url  # the shipped data has records for each of them


def test_follow_confirm_manage_delete_in_two_languages(services, mailbox):
    web = TestClient(create_app(services), follow_redirects=False)
    for n, lang in enumerate(("fr", "ar"), start=1):
        answer = web.post(
            f"/{lang}/alerts/follow",
            data={"email": "lecteur@example.org", "f.country": "CA", "frequency": "weekly"},
        )
        assert answer.status_code == 202, answer.text[:500]
        link = confirm_link(mailbox, "lecteur@example.org", n)
        assert link.startswith(f"/{lang}/alerts/confirm?token=")
        shown = web.get(link)  # a page with a button: opening the link confirms nothing
        assert shown.status_code == 200 and 'id="confirm-button"' in shown.text
        token = link.split("token=", 1)[1]
        (mine,) = [s for s in services.alerts.mine(token) if s.token == token]
        assert mine.confirmed_at is None
        done = web.post(f"/{lang}/alerts/confirm", data={"token": token})
        assert done.status_code == 200 and f"/{lang}/alerts/manage?token=" in done.text
    token = link.split("token=", 1)[1]
    manage = web.get(f"/ar/alerts/manage?token={token}")
    assert manage.status_code == 200 and manage.text.count('name="id"') == 2
    refused = web.post("/en/alerts/follow", data={"email": "nobody", "f.country": "CA"})
    assert refused.status_code == 422
    assert "name@example.org" in refused.text
    assert web.post("/en/alerts/manage", data={"token": token}).status_code == 200
    assert web.get(f"/en/alerts/manage?token={token}").status_code == 404
    publish(services, "CA")
    assert services.alerts.run_once().sent == 0
    assert len(Mailbox.to(mailbox, "lecteur@example.org")) == 2  # the two confirmations only
