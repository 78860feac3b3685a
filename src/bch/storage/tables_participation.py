"""Tables of public participation: consultations and their comments, forums (issue 14;
migration 0007_consultations)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from bch.storage.tables_base import BigId, Json, UtcDateTime, metadata

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
