"""Accounts: users and roles, password hashing, API tokens, web sessions with CSRF, mail, and
protection against abuse (rate limits, login lockout)."""
