"""Tables of national nodes: a node's state and outbox, the central's Idempotency-Key answers
(issue 12; migration 0007_nodes)."""

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

# -- national nodes (issue 12; migration 0007_nodes) ---------------------------------------------
# The node's configuration and pull state: one row (id 1) on a node, none on a central.
node_state = Table(
    "node_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("central_url", String(500), nullable=False),
    Column("country", String(4), nullable=False),
    Column("token", Text, nullable=True),  # the API token used on the central
    Column("schemas", Json, nullable=False),  # [] = every schema
    Column("countries", Json, nullable=False),  # [] = every country (and reference records)
    Column("phase", String(12), nullable=False),  # bootstrap | following
    Column("feed_from", BigInteger, nullable=True),  # central sequence the bootstrap started at
    Column("bootstrapped", Json, nullable=False),  # schemas whose dump was applied whole
    Column("cursor", BigInteger, nullable=False),  # last central sequence applied
    Column("central_sequence", BigInteger, nullable=True),  # last central sequence seen
    Column("central_seen_at", UtcDateTime, nullable=True),  # when the central was last reached
    Column("applied_at", UtcDateTime, nullable=True),  # the cursor's entry's time (central)
    Column("last_success_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_error_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    # where the bootstrap's derived rows came from (migration 0009_node_derived)
    Column("derived_from", Text, nullable=True),
    # how the bootstrap went: the central's table snapshot, or the dumps and why (0011_node_tables)
    Column("bootstrap_mode", Text, nullable=True),
    # the copy of the central's older revisions: {"after", "revisions", "done"} (0013_node_history)
    Column("history", Json, nullable=True),
)

# National records written on the node, waiting to reach the central (idempotency key = key).
node_outbox = Table(
    "node_outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("identifier", String(128), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("document", Json, nullable=False),
    Column("base_revision", Integer, nullable=True),  # the central revision the edit started from
    Column("author", String(200), nullable=False),
    Column("status", String(12), nullable=False),  # pending | requested | published | conflict
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("result", Json, nullable=True),  # the central's answer
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "status", "id"),
    Index(None, "identifier"),
)

# The central's answers to writes sent with an Idempotency-Key header (a retry gets the same).
idempotency_results = Table(
    "idempotency_results",
    metadata,
    Column("key", String(200), primary_key=True),  # "{account}:{header value}"
    Column("status", Integer, nullable=False),
    Column("body", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
