"""API tokens' last use is written off the request path, at most once a minute per token, and
a failure to write it never fails anything (services/token_usage.py). Both backends."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bch.services.token_usage import UsageRecorder
from bch.storage.database import Database
from bch.storage.engine import make_engine
from bch.storage.rows import as_utc, utcnow
from bch.storage.tables import api_tokens
from tests.accounts.helpers import PASSWORD, add_user


def _last_used(services, token_id: int):
    with services.engine.connect() as conn:
        value = conn.execute(
            select(api_tokens.c.last_used_at).where(api_tokens.c.id == token_id)
        ).scalar_one()
    return as_utc(value)


def test_a_token_use_is_written_at_most_once_a_minute(services):
    add_user(services, "tok@example.org", password=PASSWORD)
    acc = services.accounts
    issued = acc.issue_token(acc.login("tok@example.org", PASSWORD))
    now = [1000.0]
    before, acc.usage = acc.usage, UsageRecorder(services.db, clock=lambda: now[0])
    recorder = acc.usage
    try:
        for _ in range(20):
            acc.principal_from_token(issued.token)
        recorder.wait()
        first = _last_used(services, issued.id)
        assert first is not None
        for _ in range(20):  # within the minute: nothing more is noted
            acc.principal_from_token(issued.token)
        assert recorder.flush() == 0 and _last_used(services, issued.id) == first
        # a use more than a minute after the stored one is written again
        later = first + timedelta(seconds=61)
        recorder.used(issued.id, later, stored=first)  # noted recently in this process: skipped
        assert recorder.flush() == 0
        now[0] += 61
        recorder.used(issued.id, later, stored=first)
        assert recorder.flush() == 1 and _last_used(services, issued.id) == later
        # an older time never replaces a newer one (two processes writing)
        now[0] += 61
        recorder.used(issued.id, later - timedelta(seconds=120), stored=None)
        assert recorder.flush() == 1 and _last_used(services, issued.id) == later
        assert acc.tokens(acc.principal_from_token(issued.token))[0]["lastUsedAt"]
    finally:
        recorder.close()
        acc.usage = before  # the PostgreSQL services object is shared


def test_a_failed_bookkeeping_write_is_logged_not_raised(tmp_path, caplog):
    engine = make_engine(f"sqlite:///{tmp_path / 'no-tables.db'}")  # no api_tokens table
    recorder = UsageRecorder(Database(engine))
    try:
        with caplog.at_level(logging.WARNING, logger="bch.accounts"):
            recorder.used(7, utcnow(), stored=None)
            recorder.wait()
        assert "last_used_at of 1 API token(s) not written" in caplog.text
        recorder.used(7, utcnow(), stored=None)  # noted again: the next use retries
        assert recorder.flush() == 0
    finally:
        recorder.close()
        engine.dispose()
