"""Fixtures of the operations tests: a second, empty database of the same backend as
`services`, never migrated (what `bch restore` starts from)."""

from __future__ import annotations

import pytest

from tests.postgres import throwaway_database


@pytest.fixture
def target_url(services, tmp_path):
    if services.db.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        with throwaway_database("restore") as url:
            yield url
