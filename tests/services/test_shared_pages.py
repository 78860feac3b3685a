"""Pages shared by the workers of one `bch serve --workers N` (services/shared_pages.py): a page
one worker rendered is taken by another only at exactly the database state it was rendered at,
what it was made of comes with it, a page rendered while the state moved is not shared, and two
workers asking for the same page at once render it once. Each "worker" here is a ReadCache with
its own change follower over one directory (flock locks conflict between two opens of a file in
one process as between two processes)."""

from __future__ import annotations

import threading

from bch.services.read_cache import ChangeFollower, ReadCache, note
from bch.services.shared_pages import SharedPages
from bch.storage.read_deps import tracking


class Database:
    """The latest change's row as LatestChange gives it: (seq, document, revision, time, marks)."""

    def __init__(self) -> None:
        self.row = (1, 10, 1, "2026-12-04T17:00:00", 0)

    def latest(self) -> tuple:
        return self.row

    def publish(self) -> None:  # a change: seq moves (here with a data mark: forget everything)
        seq, doc, rev, at, marks = self.row
        self.row = (seq + 1, doc, rev + 1, at, marks + 1)


def worker(db: Database, directory) -> ReadCache:
    follower = ChangeFollower(db.latest, lambda: "anonymous", engine=None)
    return ReadCache(follower, size=16, shared=SharedPages(directory))


def test_a_page_rendered_by_one_worker_is_taken_by_the_other(tmp_path):
    db = Database()
    a, b = worker(db, tmp_path), worker(db, tmp_path)
    renders = []

    def render(who):
        def compute():
            renders.append(who)
            note(("doc", "lmo-1"))
            return f"page by {who}"

        return compute

    assert a.get(("en", "lmo-1"), render("a")) == "page by a"
    with tracking() as reads:
        assert b.get(("en", "lmo-1"), render("b")) == "page by a"  # not rendered again
    assert renders == ["a"]
    assert ("doc", "lmo-1") in reads  # what it was made of comes with it
    # kept by b too, with its tags: a change touching it forgets it in b
    b.forget(frozenset({("doc", "lmo-1")}), b._seq + 1)
    assert b.peek(("en", "lmo-1")) is None
    # another key, another language: not taken
    assert b.get(("fr", "lmo-1"), render("b")) == "page by b"


def test_a_page_is_never_taken_after_a_change(tmp_path):
    db = Database()
    a, b = worker(db, tmp_path), worker(db, tmp_path)
    assert a.get("page", lambda: "before") == "before"
    db.publish()  # through a third worker: both see it at their next look
    assert b.get("page", lambda: "after") == "after"
    # a forgot its own; the page b rendered after the change is the one shared now
    assert a.get("page", lambda: "after (a)") == "after"


def test_a_page_rendered_while_the_state_moved_is_not_shared(tmp_path):
    db = Database()
    a, b = worker(db, tmp_path), worker(db, tmp_path)

    def render_during_a_publish():
        db.publish()  # committed while the page was rendered: which state it shows is unknown
        return "mixed"

    assert a.get("page", render_during_a_publish) == "mixed"
    # not at the state after (it was kept for the one before, if at all)
    assert worker(db, tmp_path).get("page", lambda: "fresh") == "fresh"
    # nor at the state before: a restore of a backup made then brings that state back
    before = db.row
    a.get("other", render_during_a_publish)
    db.row = before
    assert b.get("other", lambda: "restored") == "restored"


def test_two_workers_asking_at_once_render_once(tmp_path):
    db = Database()
    a, b = worker(db, tmp_path), worker(db, tmp_path)
    started, release = threading.Event(), threading.Event()
    renders = []

    def slow():
        renders.append("a")
        started.set()
        release.wait(10)
        return "page"

    def fast():
        renders.append("b")
        return "other"

    first = threading.Thread(target=lambda: a.get("page", slow))
    first.start()
    assert started.wait(10)
    got = []
    second = threading.Thread(target=lambda: got.append(b.get("page", fast)))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for a's render
    release.set()
    first.join(10)
    second.join(10)
    assert got == ["page"] and renders == ["a"]
