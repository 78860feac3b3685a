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


def upgrade() -> None:
    # no rows: a new database stays empty (a restore refuses a database that holds rows); the
    # first write of each kind of data adds its row (storage/change_mark.bump)
    op.create_table(
        "data_marks",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_data_marks"),
    )


def downgrade() -> None:
    op.drop_table("data_marks")
