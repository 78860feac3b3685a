from tests.accounts.helpers import _fresh_limits, mailbox  # noqa: F401
