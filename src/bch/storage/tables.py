"""Database tables (SQLAlchemy Core). Alembic migrations under migrations/ create the same schema.

The tables of the alerts, of public participation and of national nodes are in their own modules
(tables_alerts.py, tables_participation.py, tables_nodes.py), on the same `metadata`
(tables_base.py); this module imports them, so that `metadata` imported from
here holds every table."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

# every table on `metadata`, wherever it is used (backup/restore, migrations, the tests)
from bch.storage import tables_alerts, tables_nodes, tables_participation  # noqa: F401
from bch.storage.tables_base import BigId, Json, UtcDateTime, metadata

# One row per record (documentID = id, never reused). State of the latest revision.
documents = Table(
    "documents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("identifier", String(128), nullable=False, unique=True),
    Column("realm", String(10), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("short_code", String(10), nullable=False),
    Column("owner", String(4), nullable=False),  # ISO 3166 alpha-2 of the government, or SCBD
    Column("latest_revision", Integer, nullable=False),
    Column("title", Json, nullable=False),  # display title (language map) of the latest revision
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("deleted_at", UtcDateTime, nullable=True),
    Column("deleted_by", String(200), nullable=True),
    Column("delete_reason", Text, nullable=True),
    Index(None, "realm", "schema", "owner", "id"),
    Index(None, "schema", "id"),
)

# Every published revision, immutable.
revisions = Table(
    "revisions",
    metadata,
    Column("document_id", BigId, ForeignKey("documents.id"), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("body", Json, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("warnings", Json, nullable=False),
)

# The monotonic change sequence: one row per publish or delete, written in the same transaction.
changes = Table(
    "changes",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("document_id", BigId, ForeignKey("documents.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("action", String(10), nullable=False),  # publish | delete
    Column("at", UtcDateTime, nullable=False),
    Index(None, "document_id"),
)

# References between records of the latest revisions (for "what points at this record").
record_links = Table(
    "record_links",
    metadata,
    Column("source_id", BigId, ForeignKey("documents.id"), primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("target_identifier", String(128), primary_key=True),
    Column("target_revision", Integer, nullable=True),
    Index(None, "target_identifier"),
)

# OECD unique identifiers of LMO records: the full key (single UID or stack) and each component.
lmo_uids = Table(
    "lmo_uids",
    metadata,
    Column("uid_key", String(300), primary_key=True),
    Column("document_id", BigId, ForeignKey("documents.id"), primary_key=True),
    Column("kind", String(10), nullable=False),  # exact | component
    Index(None, "document_id"),
)

# Detection methods (EURL-GMFF GMOMETHODS, EUginius), linked to the LMOs they detect.
detection_methods = Table(
    "detection_methods",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source", String(20), nullable=False),
    Column("code", String(80), nullable=False),
    Column("method_type", String(20), nullable=True),
    Column("scope", String(40), nullable=True),
    Column("target", Text, nullable=True),
    Column("data", Json, nullable=False),  # description, primers, amplicon, accession, url...
    Index(None, "source", "code", unique=True),
)

detection_method_lmos = Table(
    "detection_method_lmos",
    metadata,
    Column("method_id", BigId, ForeignKey("detection_methods.id"), primary_key=True),
    Column("uid_key", String(300), primary_key=True),
    Index(None, "uid_key"),
)

# -- Search and facets (unified API, migration 0003) -------------------------------------------
# Facet/filter index: one row per (record, field, value) of the latest revision of a live record,
# written in the publish transaction (bch.services.facets derives the values). Hierarchical terms
# are stored with all their broader terms, so a filter on a broad term matches narrower ones.
record_facets = Table(
    "record_facets",
    metadata,
    Column("document_id", BigId, ForeignKey("documents.id"), primary_key=True),
    Column("field", String(40), primary_key=True),
    Column("value", String(200), primary_key=True),
    Index(None, "field", "value", "document_id"),
)

# Full text per language: one row per (record, language); Chinese as character bigrams. See
# bch.services.facets.language_texts. What a search matches is search_tokens, derived from it.
search_texts = Table(
    "search_texts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("document_id", BigId, ForeignKey("documents.id"), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("content", Text, nullable=False),
    Index(None, "document_id", "lang", unique=True),
)

# The search index entries of a record (bch.storage.text_tokens: every word of its texts raw and
# stemmed, and those of its display title), space-separated; one row per live record, written
# with search_texts. Both search engines match these: the bitmap index loads them, and the
# database holds them verbatim in a full-text index (PostgreSQL: generated tsvector columns
# words_tsv and title_tsv; SQLite: the FTS5 table search_tokens_fts), migration 0007.
search_tokens = Table(
    "search_tokens",
    metadata,
    Column("document_id", BigId, ForeignKey("documents.id"), primary_key=True),
    Column("words", Text, nullable=False),
    Column("title", Text, nullable=False),
)

# --- Accounts, roles, drafts and the publishing workflow (issue 3, migration 0002) ---------------
# Drafts and publishing requests live here, never in `documents`, the search table or `changes`:
# only an approved publication (RecordService.publish) makes a record public.

users = Table(
    "users",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),  # lower case
    Column("name", String(200), nullable=True),
    Column("password_hash", String(200), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime, nullable=True),
)

# Roles scoped to a country (nfp, nau) or global (secretariat, user). Revoked grants stay.
role_grants = Table(
    "role_grants",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("role", String(20), nullable=False),
    Column("country", String(4), nullable=True),
    Column("schemas", Json, nullable=True),  # nau limited to these record types (None = all)
    Column("granted_at", UtcDateTime, nullable=False),
    Column("granted_by", String(254), nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_by", String(254), nullable=True),
    Index(None, "user_id"),
)

# Personal API tokens: only a SHA-256 of the token is stored (the token is shown once).
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("scope", String(10), nullable=False),  # read | write
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Index(None, "user_id"),
)

# Web sessions (cookie holds the token; the table holds its SHA-256) and their CSRF secret.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index(None, "user_id"),
)

# One-time links sent by mail: e-mail confirmation and password reset (SHA-256 of the token).
account_tickets = Table(
    "account_tickets",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("purpose", String(10), nullable=False),  # confirm | reset
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
)

# Failed sign-ins (issue 17, migration 0005_login_throttle): one counter per (account, address)
# pair, per address and per account, with the back-off it earned. Keys are SHA-256 digests of
# "scope:value" (no address in clear). Shared by every server process. users.failed_logins and
# users.locked_until (the former hard lock an attacker could set) are no longer used.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("scope", String(10), nullable=False),  # pair | address | account
    Column("failures", Integer, nullable=False),
    Column("blocked_until", UtcDateTime, nullable=True),
    Column("notified_at", UtcDateTime, nullable=True),  # account: the owner was last told then
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "updated_at"),
)

# Rate-limit counters shared by every server process (issue 15, migration 0007_load_rate_counters):
# one row per bucket and key (an address, an account): the hits of the current fixed window
# `slot` (time // seconds) and of the one before, and when the row no longer counts.
# services/ratelimit.py estimates the sliding window from both. Keys are SHA-256 digests.
rate_counters = Table(
    "rate_counters",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("slot", BigInteger, nullable=False),
    Column("hits", Integer, nullable=False),
    Column("previous", Integer, nullable=False),
    Column("stale_after", BigInteger, nullable=False),  # epoch seconds: both windows are over
    Index(None, "stale_after"),
)

# Drafts: one per record identifier, possibly incomplete; revision is the draft's ETag.
drafts = Table(
    "drafts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("identifier", String(128), nullable=False, unique=True),
    Column("realm", String(10), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("owner", String(4), nullable=False),  # country of a national record, or SCBD
    Column("document", Json, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("base_revision", Integer, nullable=True),  # published revision the draft edits
    Column("author_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", String(254), nullable=False),
    Index(None, "owner", "schema"),
)

# Publishing and deletion requests, decided by the country's focal point or the Secretariat.
publishing_requests = Table(
    "publishing_requests",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False),  # publish | delete
    Column("identifier", String(128), nullable=False),
    Column("realm", String(10), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("owner", String(4), nullable=False),
    Column("message", Text, nullable=True),
    Column("state", String(10), nullable=False),  # pending | approved | rejected | expired
    Column("requested_by", BigId, ForeignKey("users.id"), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("reminders_sent", Integer, nullable=False, default=0),
    Column("decided_by", String(254), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("reason", Text, nullable=True),
    Column("result", String(80), nullable=True),  # the published UID or the tombstone id
    Index(None, "state", "owner"),
    Index(None, "identifier"),
)

# Append-only audit log: who did what to which record, with hashes of before and after.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(254), nullable=False),
    Column("action", String(40), nullable=False),
    Column("record", String(128), nullable=True),
    Column("revision", Integer, nullable=True),
    Column("before_sha256", String(64), nullable=True),
    Column("after_sha256", String(64), nullable=True),
    Column("detail", Json, nullable=True),
    Index(None, "record"),
)

# --- Attachments (issue 17; migration 0005_attachments) -----------------------------------------
# The bytes are stored once per SHA-256 (a file named after it, see services.attachments); each
# upload is its own attachment row with its own id, owner, file name, media type and time. A blob
# is removed with the last attachment that uses it.
attachment_blobs = Table(
    "attachment_blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("sha256", String(64), ForeignKey("attachment_blobs.sha256"), nullable=False),
    Column("owner_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("name", String(120), nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "sha256"),
    Index(None, "owner_id"),
)

# keyset paging sorted by update time
Index("ix_documents_updated_at_id", documents.c.updated_at, documents.c.id)

# -- external sources (issue 6; migration 0004) ------------------------------------------------
# Last known answer of a live lookup (key "uid:<uid key>") and refreshed snapshots (key
# "snapshot"), per source; payload = list of SourceRecord JSON.
source_cache = Table(
    "source_cache",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("key", String(300), primary_key=True),
    Column("payload", Json, nullable=False),
    Column("fetched_at", UtcDateTime, nullable=False),
)

# Marks of the data that changes outside record publishes (issue 15): detection methods,
# provenance, reported approvals and refreshed source snapshots (migration 0009_load_lmo). Each
# write of one adds 1 to its row's `n` in the same transaction; the read caches read the sum with
# the latest change (storage/change_mark.py) and forget their answers when it moved.
data_marks = Table(
    "data_marks",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

# Data truth (issue 16): the provenance block of each imported record (which source gave each
# field, the other sources' values as disagreements), replaced by every import.
record_provenance = Table(
    "record_provenance",
    metadata,
    Column("identifier", String(128), primary_key=True),  # the record's header identifier
    Column("uid_key", String(300), nullable=True),  # its natural key (an LMO's UID key)
    Column("data", Json, nullable=False),
    Index(None, "uid_key"),
)

# Approvals reported by a source other than a country's own decision records (ISAAA's "approved
# events in <country>" lists): never a decision record of that country.
reported_approvals = Table(
    "reported_approvals",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("country", String(2), primary_key=True),  # ISO 3166 alpha-2, EU for the Union
    Column("uid_key", String(300), primary_key=True),  # a single event's UID key
    Column("uid", String(300), nullable=False),  # as the source writes it
    Column("retrieved", String(10), nullable=False),
    Index(None, "uid_key"),
)

# -- customs and e-learning (issue 13; migration 0006_customs) ----------------------------------
# A shipment check saved to be shared by a link: the answer as it was (JSON), never recomputed.
customs_checks = Table(
    "customs_checks",
    metadata,
    Column("id", String(32), primary_key=True),  # random, URL-safe: the share link
    Column("created_at", UtcDateTime, nullable=False),
    Column("destination", String(4), nullable=False),
    Column("result", Json, nullable=False),
)

# A learner's best answer to each lesson's quiz (signed-in users).
learning_progress = Table(
    "learning_progress",
    metadata,
    Column("user_id", BigId, ForeignKey("users.id"), primary_key=True),
    Column("module", String(64), primary_key=True),
    Column("lesson", String(64), primary_key=True),
    Column("language", String(5), nullable=False),
    Column("score", Integer, nullable=False),  # correct answers
    Column("total", Integer, nullable=False),  # questions
    Column("passed", Integer, nullable=False),  # 0/1
    Column("attempts", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Certificates of completion: public verification by their random id.
learning_certificates = Table(
    "learning_certificates",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=False),
    Column("module", String(64), nullable=False),
    Column("module_version", String(32), nullable=False),
    Column("language", String(5), nullable=False),
    Column("learner", String(200), nullable=False),  # the name printed on the certificate
    Column("score", Integer, nullable=False),  # percent
    Column("issued_at", UtcDateTime, nullable=False),
    Index(None, "user_id", "module"),
)

# -- national registers (issue 12 item 5; migration 0007_natimport) -----------------------------
# The rows each register mapping imported: a row absent from a later file is reported as removed
# (its record is never deleted silently).
register_rows = Table(
    "register_rows",
    metadata,
    Column("mapping", String(64), primary_key=True),
    Column("identifier", String(128), primary_key=True),  # the record's header identifier
    Column("row_key", Text, nullable=False),  # the natural key rendered from the row
    Column("seen_at", UtcDateTime, nullable=False),
)
