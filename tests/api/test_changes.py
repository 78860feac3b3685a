"""The change feed, and paging that neither skips nor repeats while another thread writes
(both backends)."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bch.api.app import create_app
from bch.storage.tables import changes
from tests import factories

NAMES = ["Zea mays", "Glycine max", "Brassica napus", "Solanum tuberosum", "Oryza sativa"]


@pytest.fixture
def client(services):
    with TestClient(create_app(services)) as c:
        yield c


def _seed(services, n: int) -> list[str]:
    docs = [factories.organism(NAMES[i % len(NAMES)]) for i in range(n)]
    services.records.publish_many(docs, by="test")
    return [d["header"]["identifier"] for d in docs]


def feed(client, since: str | None = None, limit: int = 100) -> tuple[list[dict], str]:
    url = f"/api/v1/changes?limit={limit}" + (f"&since={since}" if since else "")
    r = client.get(url)
    assert r.status_code == 200, r.text
    return r.json()["items"], r.json()["next"]


def test_feed_lists_publishes_and_deletes_with_tombstones(client, services):
    ids = _seed(services, 3)
    doc = factories.organism("Zea mays", identifier=ids[0], commonNames={"en": "maize"})
    services.records.publish(doc, by="test")
    services.records.delete(ids[1], reason="duplicate of another record", by="test")
    items, token = feed(client)
    assert [i["action"] for i in items] == ["publish"] * 4 + ["delete"]
    assert [i["seq"] for i in items] == sorted(i["seq"] for i in items)
    assert items[3]["identifier"] == ids[0] and items[3]["revision"] == 2
    stone = items[4]["tombstone"]
    assert stone["identifier"] == ids[1] and stone["reason"] == "duplicate of another record"
    assert client.get(items[3]["url"]).status_code == 200
    # resuming from the last token gives nothing new, then only what happens next
    assert feed(client, token)[0] == []
    _seed(services, 1)
    more, _ = feed(client, token)
    assert len(more) == 1 and more[0]["seq"] == items[-1]["seq"] + 1
    # a plain sequence number works as `since` (as a dump's X-Change-Sequence)
    assert feed(client, str(items[1]["seq"]))[0][0]["seq"] == items[2]["seq"]
    assert client.get("/api/v1/changes?since=garbage!").status_code == 400


def test_deleted_record_answers_410_with_its_tombstone(client, services):
    (ident,) = _seed(services, 1)
    services.records.delete(ident, reason="published by mistake", by="test")
    r = client.get(f"/api/v1/records/{ident}")
    assert r.status_code == 410
    assert r.json()["tombstone"]["reason"] == "published by mistake"
    assert client.get(f"/api/v1/records/{ident}/info").status_code == 410


class Writer(threading.Thread):
    """Publishes new records and new revisions of existing ones until stopped."""

    def __init__(self, services, existing: list[str], rounds: int):
        super().__init__(daemon=True)
        self.services, self.existing, self.rounds = services, existing, rounds
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for i in range(self.rounds):
                self.services.records.publish(factories.organism(NAMES[i % 5]), by="writer")
                ident = self.existing[i % len(self.existing)]
                doc = factories.organism(
                    NAMES[i % 5], identifier=ident, commonNames={"en": f"revision {i}"}
                )
                self.services.records.publish(doc, by="writer")
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_paging_records_during_writes_neither_skips_nor_repeats(client, services):
    existing = _seed(services, 60)
    writer = Writer(services, existing, rounds=40)
    writer.start()
    seen: list[str] = []
    url = "/api/v1/records?schema=organism&limit=7"
    start = services.changes.last_sequence()
    while url:
        time.sleep(0.02)  # let the writer commit between pages
        body = client.get(url).json()
        seen += [i["identifier"] for i in body["items"]]
        url = (
            f"/api/v1/records?schema=organism&limit=7&cursor={body['next']}"
            if body["next"]
            else None
        )
    during = services.changes.last_sequence() - start
    writer.join(timeout=60)
    assert writer.error is None
    assert during > 0  # the writer really wrote while we paged
    assert len(seen) == len(set(seen))  # no repeats
    assert set(existing) <= set(seen)  # nothing that existed throughout was skipped


def test_following_the_feed_during_writes_gets_every_entry_once(client, services):
    _seed(services, 20)
    writer = Writer(services, _seed(services, 5), rounds=40)
    writer.start()
    got: list[int] = []
    token = None
    pages = 0
    while True:
        writing = writer.is_alive()  # before reading: an empty page after the writer ended
        items, token = feed(client, token, limit=9)  # means everything has been read
        pages += 1
        got += [i["seq"] for i in items]
        if not items and not writing:
            break
    writer.join(timeout=60)
    assert writer.error is None
    with services.engine.connect() as conn:
        stored = [r.seq for r in conn.execute(select(changes.c.seq).order_by(changes.c.seq))]
    assert got == stored  # in order, complete, nothing twice
    assert pages > 3
