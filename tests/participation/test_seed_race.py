"""The participation seed (real comment windows, the Aarhus forum archive) runs at every `bch
serve` start; two servers starting at once on one database both find the rows missing. Each
insert leaves alone a row the other server added (ON CONFLICT DO NOTHING in the storage layer):
both seeds succeed, nothing is doubled."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from bch.services.container import Services
from bch.storage.tables_participation import consultations, forum_groups, forums
from tests.waiting import until

WINDOWS, ARCHIVES = 10, 3  # in the shipped data (tests/participation/test_*_api.py)


def _counts(svc: Services) -> tuple[int, int, int]:
    with svc.engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (consultations, forums, forum_groups)
        )


def _other(svc: Services) -> Services:
    """A second server's services on the same database."""
    return Services.open(svc.engine.url.render_as_string(hide_password=False), upgrade=False)


def test_two_servers_seeding_at_once_both_succeed(services):
    other = _other(services)
    start = threading.Barrier(2)
    added: list[int] = []
    errors: list[BaseException] = []

    def seed(svc: Services) -> None:
        start.wait()
        try:
            added.append(svc.consultations.import_windows() + svc.forums.import_archive())
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    try:
        threads = [threading.Thread(target=seed, args=(s,)) for s in (services, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert len(added) == 2 and sum(added) == WINDOWS + ARCHIVES  # each row added once
    finally:
        other.close()
    once = _counts(services)
    assert once[:2] == (WINDOWS, ARCHIVES)
    assert services.consultations.import_windows() + services.forums.import_archive() == 0
    assert _counts(services) == once  # groups not doubled either


def test_a_seed_that_read_before_the_other_committed_leaves_its_rows(services, monkeypatch):
    """The losing server read "nothing there" before the winner committed (the race the retry
    in cli/server.py used to paper over): its inserts find the rows and leave them."""
    assert services.consultations.import_windows() == WINDOWS
    assert services.forums.import_archive() == ARCHIVES
    before = _counts(services)
    monkeypatch.setattr(services.consultations.repo, "ids_with_source", lambda conn: set())
    monkeypatch.setattr(services.forums.repo, "get", lambda conn, ident: None)
    assert services.consultations.import_windows() == 0
    assert services.forums.import_archive() == 0
    assert _counts(services) == before


def _row(ident: str) -> dict:
    now = datetime.now(UTC)
    return {
        "id": ident,
        "owner": "SCBD",
        "title": {"en": "race"},
        "description": {},
        "participation": "invited",
        "premoderation": 0,
        "archived": 1,
        "created_at": now,
    }


def test_the_second_insert_waits_for_the_first_then_leaves_its_row(services):
    """Two open transactions insert the same forum: the second waits for the first (SQLite's
    write lock, PostgreSQL's unique index), then adds nothing: no error, one forum, its groups
    once."""
    repo = services.forums.repo
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            with repo.db.writing(changes=False) as conn:
                outcome["added"] = repo.add_if_absent(conn, _row("race"), [{"en": "two"}])
        except BaseException as exc:  # noqa: BLE001 (reported below)
            outcome["error"] = exc

    with repo.db.writing(changes=False) as conn:
        assert repo.add_if_absent(conn, _row("race"), [{"en": "one"}]) is True
        thread = threading.Thread(target=second)
        thread.start()
        if services.engine.dialect.name == "postgresql":
            until(
                lambda: _waiting_on_a_lock(services),
                "the second insert waiting",
                alive=thread.is_alive,
            )
    thread.join(timeout=120)
    assert "error" not in outcome, outcome
    assert outcome["added"] is False
    with services.engine.connect() as conn:
        assert [g["title"] for g in repo.groups(conn, "race")] == [{"en": "one"}]


def _waiting_on_a_lock(svc: Services) -> bool:
    with svc.engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )
