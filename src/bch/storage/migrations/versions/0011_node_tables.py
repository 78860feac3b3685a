"""A national node says how it bootstrapped (issue 12 performance): `node_state.bootstrap_mode`,
"tables (snapshot at central sequence N)" when it copied the central's table snapshot
(GET /api/v1/export/tables.sqlite), or "dumps: <why>" when it applied the dumps record by record
(a node on PostgreSQL, a central without snapshots, ...). Shown by `bch node status`.

Revision ID: 0011_node_tables
Revises: 0010_v2013_first, 0009_node_derived (merges the two: it needs the node_state table)
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_node_tables"
down_revision = ("0010_v2013_first", "0009_node_derived")  # node_state is 0009's
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("node_state", sa.Column("bootstrap_mode", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("node_state") as batch:
        batch.drop_column("bootstrap_mode")
