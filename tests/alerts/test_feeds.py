"""The Atom feed of a search (GET /api/v1/feeds/records.atom): the filters of GET
/api/v1/records, newest changes first, paging links; an Atom reader (feedparser) parses every
feed without complaint (no bozo)."""

from __future__ import annotations

import feedparser
import pytest

from tests.accounts.helpers import client_for
from tests.alerts.helpers import publish

FEED = "/api/v1/feeds/records.atom"


@pytest.fixture
def client(services):
    return client_for(services.configured(BCH_RATE_LIMIT="off"))


def parsed(client, **params):
    answer = client.get(FEED, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(answer.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def test_feed_filters_order_and_links(client, services):
    first, second = publish(services, "CA"), publish(services, "CA")
    kenyan = publish(services, "KE")
    feed = parsed(client, country="CA", lang="fr")
    ids = [e.id.rsplit("/", 1)[1] for e in feed.entries]
    assert ids == [second, first]  # the most recently changed first; KE filtered out
    assert feed.feed.language == "fr"
    entry = feed.entries[0]
    assert entry.updated_parsed and entry.author == "CA"
    links = {(link.type, link.href) for link in entry.links}
    assert ("text/html", f"http://127.0.0.1:8000/fr/records/{second}") in links
    assert ("application/json", f"http://127.0.0.1:8000/api/v1/records/{second}") in links
    rels = {link.rel for link in feed.feed.links}
    assert {"self", "first", "alternate"} <= rels
    everything = parsed(client)
    assert kenyan in [e.id.rsplit("/", 1)[1] for e in everything.entries]
    assert parsed(client, schema="authority", country="KE").entries[0].id.endswith(kenyan)


def test_feed_pages_with_next_links(client, services):
    made = [publish(services, "CA") for _ in range(3)]
    seen = []
    feed = parsed(client, country="CA", limit=2)
    while True:
        seen += [e.id.rsplit("/", 1)[1] for e in feed.entries]
        nxt = [link.href for link in feed.feed.links if link.rel == "next"]
        if not nxt:
            break
        feed = parsed(client, **dict(_query(nxt[0])))
    assert seen == list(reversed(made))


def _query(url: str):
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)


def test_feed_refuses_what_the_search_refuses(client):
    answer = client.get(FEED, params={"colour": "green"})
    assert answer.status_code == 400 and answer.json()["errors"][0]["path"] == "colour"
    assert client.get(FEED, params={"schema": "noSuchSchema"}).status_code == 400
    assert client.get(FEED, params={"lang": "xx"}).status_code == 400
    feed = parsed(client, country="ZZ")  # nothing found: still a valid feed
    assert feed.entries == []
