"""External sources: last known answers of live lookups and refreshed snapshots.

Revision ID: 0004
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "source_cache",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("payload", Json, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "key", name="pk_source_cache"),
    )


def downgrade() -> None:
    op.drop_table("source_cache")
