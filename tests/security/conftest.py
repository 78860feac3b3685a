"""Fixtures of the hostile-input tests: the suite's real SMTP server."""

from tests.accounts.helpers import mailbox  # noqa: F401
