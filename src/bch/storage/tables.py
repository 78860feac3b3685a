"""Database tables (SQLAlchemy Core). Alembic migrations under migrations/ create the same schema."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY columns.
BigId = BigInteger().with_variant(Integer(), "sqlite")
UtcDateTime = DateTime(timezone=True)

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

# -- public participation (issue 14; migration 0007_consultations) --------------------------------
# A public consultation on a pending decision (Art. 23.2): opened by a country's authority, or
# imported from an official comment window (`source`: where it is published; nothing invented).
consultations = Table(
    "consultations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("country", String(8), nullable=True),  # ISO 3166 alpha-2 (EU), None when unknown
    Column("country_name", String(200), nullable=True),  # as the source names it
    Column("title", Json, nullable=False),  # language map
    Column("summary", Json, nullable=False),  # language map (sanitised rich text)
    Column("languages", Json, nullable=False),
    Column("lmo", String(200), nullable=True),  # LMO record identifier or OECD UID
    Column("intended_use", String(40), nullable=True),
    Column("documents", Json, nullable=False),  # [{name, attachment|url, confidential}]
    Column("opens_at", UtcDateTime, nullable=True),  # None: not known (imported windows)
    Column("closes_at", UtcDateTime, nullable=False),
    Column("moderation", String(8), nullable=False),  # before | after publication
    Column("source", Json, nullable=True),  # imported: {name, url, ref, agency, retrieved}
    Column("created_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("response", Json, nullable=True),  # the authority's response summary (language map)
    Column("responded_at", UtcDateTime, nullable=True),
    Column("decision", String(128), nullable=True),  # the final decision record's identifier
    Index(None, "closes_at"),
    Index(None, "decision"),
)

# Comments: by a signed-in user (user_id) or an e-mail-verified commenter (email, until the
# commenter deletes their data: then author "deleted user", email and user_id cleared).
consultation_comments = Table(
    "consultation_comments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("consultation_id", String(64), ForeignKey("consultations.id"), nullable=False),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("email", String(254), nullable=True),
    Column("author", String(200), nullable=False),
    Column("body", Text, nullable=False),  # sanitised HTML
    Column("language", String(5), nullable=False),
    Column("attachment_id", String(64), nullable=True),
    Column("status", String(12), nullable=False),  # unverified|pending|published|rejected|hidden
    Column("token_sha256", String(64), nullable=True),  # the commenter's link (verify, delete)
    Column("created_at", UtcDateTime, nullable=False),
    Column("moderated_at", UtcDateTime, nullable=True),
    Column("moderated_by", String(254), nullable=True),
    Column("reason", Text, nullable=True),
    Column("deleted", Integer, nullable=False, server_default="0"),
    Index(None, "consultation_id"),
    Index(None, "user_id"),
)

forums = Table(
    "forums",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(8), nullable=False),  # SCBD (the Secretariat) or a country code
    Column("title", Json, nullable=False),
    Column("description", Json, nullable=False),
    Column("participation", String(8), nullable=False),  # open | invited
    Column("premoderation", Integer, nullable=False),
    Column("opens_at", UtcDateTime, nullable=True),
    Column("closes_at", UtcDateTime, nullable=True),
    Column("archived", Integer, nullable=False, server_default="0"),  # closed by a moderator
    Column("source", Json, nullable=True),
    Column("created_by", BigId, ForeignKey("users.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

forum_groups = Table(
    "forum_groups",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("forum_id", String(64), ForeignKey("forums.id"), nullable=False),
    Column("title", Json, nullable=False),
    Column("position", Integer, nullable=False),
)

forum_threads = Table(
    "forum_threads",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("forum_id", String(64), ForeignKey("forums.id"), nullable=False),
    Column("group_id", BigId, ForeignKey("forum_groups.id"), nullable=True),
    Column("title", Text, nullable=False),
    Column("language", String(5), nullable=False),
    Column("user_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index(None, "forum_id"),
)

forum_posts = Table(
    "forum_posts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("thread_id", BigId, ForeignKey("forum_threads.id"), nullable=False),
    Column("parent_id", BigId, nullable=True),  # the post replied to (threaded replies)
    Column("user_id", BigId, ForeignKey("users.id"), nullable=True),
    Column("author", String(200), nullable=False),
    Column("body", Text, nullable=False),  # sanitised HTML
    Column("language", String(5), nullable=False),
    Column("status", String(12), nullable=False),  # published | pending | hidden
    Column("reason", Text, nullable=True),  # why hidden (or restored)
    Column("synthesis", Integer, nullable=False),  # 1: the moderator's synthesis
    Column("via", String(8), nullable=False),  # web | api | mail
    Column("created_at", UtcDateTime, nullable=False),
    Column("moderated_at", UtcDateTime, nullable=True),
    Column("moderated_by", String(254), nullable=True),
    Index(None, "thread_id"),
    Index(None, "user_id"),
)

forum_members = Table(
    "forum_members",
    metadata,
    Column("forum_id", String(64), ForeignKey("forums.id"), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), primary_key=True),
    Column("role", String(12), nullable=False),  # invited | moderator | banned
    Column("reason", Text, nullable=True),
)

forum_subscriptions = Table(
    "forum_subscriptions",
    metadata,
    Column("thread_id", BigId, ForeignKey("forum_threads.id"), primary_key=True),
    Column("user_id", BigId, ForeignKey("users.id"), primary_key=True),
)

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
