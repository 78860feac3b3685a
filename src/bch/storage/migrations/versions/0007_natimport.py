"""National registers (issue 12 item 5): the rows each register mapping imported.

Revision ID: 0007_natimport
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_natimport"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_rows",
        sa.Column("mapping", sa.String(64), nullable=False),
        sa.Column("identifier", sa.String(128), nullable=False),
        sa.Column("row_key", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("mapping", "identifier", name="pk_register_rows"),
    )


def downgrade() -> None:
    op.drop_table("register_rows")
