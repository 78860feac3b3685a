"""Marks of the data that changes outside record publishes (issue 15): the read caches forget
their answers when an import or a refresh changed detection methods, provenance, reported
approvals or a source snapshot, which append no entry to the change sequence.

Revision ID: 0009_load_lmo
Revises: 0008_harvester
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_load_lmo"
down_revision = "0008_harvester"
branch_labels = None
depends_on = None

NAMES = ("detection_methods", "provenance", "reported_approvals", "source_snapshots")


def upgrade() -> None:
    table = op.create_table(
        "data_marks",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_data_marks"),
    )
    op.bulk_insert(table, [{"name": name, "n": 0} for name in NAMES])


def downgrade() -> None:
    op.drop_table("data_marks")
