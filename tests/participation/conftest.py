from tests.accounts.helpers import mailbox  # noqa: F401
