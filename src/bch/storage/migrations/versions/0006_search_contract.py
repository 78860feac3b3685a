"""Drop the legacy full-text table `search_documents` (and, on SQLite, its FTS5 table
`search_fts` and triggers): every publish wrote it, nothing answered from it any more. Search,
record lists and v2013 read `search_texts` (per-language full text, migration 0003) and the
in-memory bitmap index.

Revision ID: 0006_search_contract
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_search_contract"
down_revision = "0003"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_documents_ai", "search_documents_ad", "search_documents_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_documents")


def downgrade() -> None:
    """The table comes back empty and is not filled: `bch reindex` rewrites derived rows."""
    op.create_table(
        "search_documents",
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name="pk_search_documents"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_search_documents_document_id_documents"
        ),
    )
