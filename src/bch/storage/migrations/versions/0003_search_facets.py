"""Search and facets for the unified API: record_facets (filter/facet index) and search_texts
(full text per language: per-language tsvector on PostgreSQL, FTS5 tables on SQLite).

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# PostgreSQL text search configuration per UN language ('simple' where it has none: zh).
PG_CONFIGS = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french", "ru": "russian"}


def upgrade() -> None:
    op.create_table(
        "record_facets",
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("document_id", "field", "value", name="pk_record_facets"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_record_facets_document_id_documents"
        ),
    )
    op.create_index(
        "ix_record_facets_field_value_document_id",
        "record_facets",
        ["field", "value", "document_id"],
    )
    op.create_table(
        "search_texts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_texts"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_search_texts_document_id_documents"
        ),
    )
    op.create_index(
        "ix_search_texts_document_id_lang", "search_texts", ["document_id", "lang"], unique=True
    )
    op.create_index("ix_documents_updated_at_id", "documents", ["updated_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        cases = " ".join(
            f"WHEN '{lang}' THEN to_tsvector('{cfg}', content)" for lang, cfg in PG_CONFIGS.items()
        )
        op.execute(
            "ALTER TABLE search_texts ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
            f"(CASE lang {cases} ELSE to_tsvector('simple', content) END) STORED"
        )
        op.execute("CREATE INDEX ix_search_texts_tsv ON search_texts USING gin (tsv)")
        return
    for name, tokenizer, where in (
        ("search_fts_en", "porter unicode61 remove_diacritics 2", "new.lang = 'en'"),
        ("search_fts_intl", "unicode61 remove_diacritics 2", "new.lang <> 'en'"),
    ):
        old_where = where.replace("new.", "old.")
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5(content, content='search_texts', "
            f"content_rowid='id', tokenize='{tokenizer}')"
        )
        op.execute(
            f"CREATE TRIGGER {name}_ai AFTER INSERT ON search_texts WHEN {where} BEGIN "
            f"INSERT INTO {name}(rowid, content) VALUES (new.id, new.content); END"
        )
        op.execute(
            f"CREATE TRIGGER {name}_ad AFTER DELETE ON search_texts WHEN {old_where} BEGIN "
            f"INSERT INTO {name}({name}, rowid, content) VALUES ('delete', old.id, old.content); "
            "END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS search_fts_en")
        op.execute("DROP TABLE IF EXISTS search_fts_intl")
    op.drop_index("ix_documents_updated_at_id", table_name="documents")
    op.drop_table("search_texts")
    op.drop_table("record_facets")
