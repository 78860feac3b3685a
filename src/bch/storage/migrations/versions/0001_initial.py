"""Initial schema: documents, revisions, change sequence, links, LMO UIDs, detection methods,
full-text search (FTS5 on SQLite, tsvector on PostgreSQL).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("identifier", sa.String(128), nullable=False),
        sa.Column("realm", sa.String(10), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("short_code", sa.String(10), nullable=False),
        sa.Column("owner", sa.String(4), nullable=False),
        sa.Column("latest_revision", sa.Integer, nullable=False),
        sa.Column("title", Json, nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("updated_at", Ts, nullable=False),
        sa.Column("deleted_at", Ts, nullable=True),
        sa.Column("deleted_by", sa.String(200), nullable=True),
        sa.Column("delete_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("identifier", name="uq_documents_identifier"),
    )
    op.create_index(
        "ix_documents_realm_schema_owner_id", "documents", ["realm", "schema", "owner", "id"]
    )
    op.create_index("ix_documents_schema_id", "documents", ["schema", "id"])
    op.create_table(
        "revisions",
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("warnings", Json, nullable=False),
        sa.PrimaryKeyConstraint("document_id", "revision", name="pk_revisions"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_revisions_document_id_documents"
        ),
    )
    op.create_table(
        "changes",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_changes"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_changes_document_id_documents"
        ),
    )
    op.create_index("ix_changes_document_id", "changes", ["document_id"])
    op.create_table(
        "record_links",
        sa.Column("source_id", BigId, nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("target_identifier", sa.String(128), nullable=False),
        sa.Column("target_revision", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("source_id", "field", "target_identifier", name="pk_record_links"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["documents.id"], name="fk_record_links_source_id_documents"
        ),
    )
    op.create_index("ix_record_links_target_identifier", "record_links", ["target_identifier"])
    op.create_table(
        "lmo_uids",
        sa.Column("uid_key", sa.String(300), nullable=False),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("uid_key", "document_id", name="pk_lmo_uids"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_lmo_uids_document_id_documents"
        ),
    )
    op.create_index("ix_lmo_uids_document_id", "lmo_uids", ["document_id"])
    op.create_table(
        "detection_methods",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("method_type", sa.String(20), nullable=True),
        sa.Column("scope", sa.String(40), nullable=True),
        sa.Column("target", sa.Text, nullable=True),
        sa.Column("data", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_detection_methods"),
    )
    op.create_index(
        "ix_detection_methods_source_code", "detection_methods", ["source", "code"], unique=True
    )
    op.create_table(
        "detection_method_lmos",
        sa.Column("method_id", BigId, nullable=False),
        sa.Column("uid_key", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("method_id", "uid_key", name="pk_detection_method_lmos"),
        sa.ForeignKeyConstraint(
            ["method_id"],
            ["detection_methods.id"],
            name="fk_detection_method_lmos_method_id_detection_methods",
        ),
    )
    op.create_index("ix_detection_method_lmos_uid_key", "detection_method_lmos", ["uid_key"])
    op.create_table(
        "search_documents",
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("document_id", name="pk_search_documents"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_search_documents_document_id_documents"
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE search_documents ADD COLUMN tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED"
        )
        op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(content, content='search_documents', "
            "content_rowid='document_id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN "
            "INSERT INTO search_fts(rowid, content) VALUES (new.document_id, new.content); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, content) "
            "VALUES ('delete', old.document_id, old.content); END"
        )
        op.execute(
            "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN "
            "INSERT INTO search_fts(search_fts, rowid, content) "
            "VALUES ('delete', old.document_id, old.content); "
            "INSERT INTO search_fts(rowid, content) VALUES (new.document_id, new.content); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS search_fts")
    for table in (
        "search_documents",
        "detection_method_lmos",
        "detection_methods",
        "lmo_uids",
        "record_links",
        "changes",
        "revisions",
        "documents",
    ):
        op.drop_table(table)
