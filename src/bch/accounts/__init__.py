"""The `bch user` and `bch workflow` commands (accounts/commands.py). The account services
themselves are in bch.services (accounts, users, credentials, mail, throttle, rate limits)."""
