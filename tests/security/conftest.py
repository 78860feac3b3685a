"""Fixtures of the hostile-input tests: the suite's real SMTP server, and the worker's chromium."""

import pytest

from tests.accounts.helpers import mailbox  # noqa: F401


@pytest.fixture(scope="module")
def browser(chromium):
    """The worker's chromium (tests/conftest.py); each test opens a context of its own."""
    return chromium
