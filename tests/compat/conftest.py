"""The general v2013 evaluator over the shipped data, shared by the compat tests of a worker."""

from __future__ import annotations

import pytest

from bch.compat.select import SelectService


@pytest.fixture(scope="session")
def loaded_evaluator(loaded) -> SelectService:
    """The reference answers on the `loaded` database of each backend: a SelectService that
    evaluates every clause on every record's index document (no contract). One per backend and
    worker, instead of one per test: the database is read-only, so every record's index
    document is built once (as the service keeps them, per record and revision), and the
    records in scope with their documents (its universe) are read once, not again by each
    request (the two were most of tests/compat/test_translate.py's and test_v2013_first.py's
    time). Each request still evaluates every clause on every record."""
    general = SelectService(loaded)
    general.fast = False
    read = general._universe
    kept: dict = {}

    def universe(scope, checks, on_rows=False):
        if checks:  # never asked by the reference (every record), kept as it was
            return read(scope, checks, on_rows)
        if (scope, on_rows) not in kept:
            kept[scope, on_rows] = read(scope, checks, on_rows)
        return kept[scope, on_rows]

    general._universe = universe
    return general
