"""Migration 0005_login_throttle (its own branch from 0001) upgrades a database made before it:
one at the former heads gains the table and keeps its data. Both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from bch.storage import migrate
from bch.storage.engine import make_engine
from tests.postgres import throwaway_database

BEFORE = ("0002", "0003", "0004")  # the heads before the login throttle


def _upgrade_from_former_heads(url: str) -> None:
    engine = make_engine(url)
    try:
        for head in BEFORE:
            migrate.upgrade(engine, head)
        assert "login_throttle" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (email, created_at, failed_logins) "
                    "VALUES ('kept@example.org', CURRENT_TIMESTAMP, 0)"
                )
            )
        migrate.upgrade(engine)
        assert "login_throttle" in inspect(engine).get_table_names()
        assert migrate.current_revisions(engine) == migrate.head_revisions()
        assert "0005_login_throttle" in migrate.head_revisions()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT email FROM users")).scalar_one() == "kept@example.org"
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_existing_database_gains_the_login_throttle(backend, tmp_path, request):
    if backend == "sqlite":
        _upgrade_from_former_heads(f"sqlite:///{tmp_path / 'old.db'}")
        return
    request.applymarker(pytest.mark.postgres)
    request.getfixturevalue("postgres_url")  # skips (or fails in CI) without a server
    with throwaway_database("migration") as url:
        _upgrade_from_former_heads(url)
