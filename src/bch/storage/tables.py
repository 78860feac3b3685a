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

# PostgreSQL full text: one tsvector per record. (SQLite uses an FTS5 virtual table, see search.py.)
search_documents = Table(
    "search_documents",
    metadata,
    Column("document_id", BigId, ForeignKey("documents.id"), primary_key=True),
    Column("content", Text, nullable=False),
)
