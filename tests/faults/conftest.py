"""The databases the crash tests kill processes on: a new one per test, on each backend."""

from __future__ import annotations

import pytest

from tests.postgres import throwaway_database


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'bch.db'}"
        yield url
    else:
        request.applymarker(pytest.mark.postgres)
        request.getfixturevalue("postgres_url")
        with throwaway_database("crash") as url:
            yield url
