"""Data truth (issue 16): provenance per field of imported records, approvals reported by ISAAA.

Revision ID: 0006_data_truth
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_data_truth"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "record_provenance",
        sa.Column("identifier", sa.String(128), nullable=False),
        sa.Column("uid_key", sa.String(300), nullable=True),
        sa.Column("data", Json, nullable=False),
        sa.PrimaryKeyConstraint("identifier", name="pk_record_provenance"),
    )
    op.create_index("ix_record_provenance_uid_key", "record_provenance", ["uid_key"])
    op.create_table(
        "reported_approvals",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("uid_key", sa.String(300), nullable=False),
        sa.Column("uid", sa.String(300), nullable=False),
        sa.Column("retrieved", sa.String(10), nullable=False),
        sa.PrimaryKeyConstraint("source", "country", "uid_key", name="pk_reported_approvals"),
    )
    op.create_index("ix_reported_approvals_uid_key", "reported_approvals", ["uid_key"])


def downgrade() -> None:
    op.drop_table("reported_approvals")
    op.drop_table("record_provenance")
