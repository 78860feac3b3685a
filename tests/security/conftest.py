"""Fixtures of the hostile-input tests: the suite's real SMTP server, and one chromium per
browser test module."""

from collections.abc import Iterator

import pytest

from tests.accounts.helpers import mailbox  # noqa: F401
from tests.web.browser import ARGS, CHROMIUM, require_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """A started chromium (Debian's), shared by the tests of a module."""
    sync_api = require_chromium()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
