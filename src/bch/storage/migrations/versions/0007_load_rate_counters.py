"""Rate-limit counters shared by every server process (issue 15: several workers, one truth).

Revision ID: 0007_load_rate_counters
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_load_rate_counters"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("slot", sa.BigInteger, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("previous", sa.Integer, nullable=False),
        sa.Column("stale_after", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_counters"),
    )
    op.create_index("ix_rate_counters_stale_after", "rate_counters", ["stale_after"])


def downgrade() -> None:
    op.drop_index("ix_rate_counters_stale_after", table_name="rate_counters")
    op.drop_table("rate_counters")
