"""Tables of the e-mail alerts (issue 14 item 3; migration 0007_alerts)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from bch.storage.tables_base import BigId, Json, UtcDateTime, metadata

# Alerts (issue 14 item 3, migration 0007_alerts): e-mail subscriptions to searches (only the
# address, the filters and the secret of their links are kept), the outbox of mails to send
# (one row per subscription and change: the idempotency key) and the matcher's cursor in the
# change sequence, written in the transaction that writes the outbox rows it produced.
alert_subscriptions = Table(
    "alert_subscriptions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("token", String(64), nullable=False, unique=True),  # the secret of every link
    Column("email", String(320), nullable=False),
    Column("filters", Json, nullable=False),  # search API names -> values
    Column("frequency", String(10), nullable=False),  # immediate | daily | weekly
    Column("lang", String(2), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=True),  # None: opt-in not confirmed yet
    Column("digest_at", UtcDateTime, nullable=True),  # last digest (daily, weekly)
    Index(None, "email"),
)
alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("subscription_id", BigInteger, nullable=False),
    Column("seq", BigInteger, nullable=False),  # the change (sequence number)
    Column("document_id", BigInteger, nullable=False),
    Column("action", String(10), nullable=False),  # publish | delete
    Column("revision", Integer, nullable=False),
    Column("state", String(10), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("claim", String(32), nullable=True),  # the worker holding it, until claim_until
    Column("claim_until", UtcDateTime, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("error", Text, nullable=True),
    Index(None, "subscription_id", "seq", unique=True),
    Index(None, "state", "due_at"),
)
alert_cursor = Table(
    "alert_cursor",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)
