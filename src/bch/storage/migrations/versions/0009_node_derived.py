"""A national node says where its bootstrap's derived rows came from (issue 12 performance):
`node_state.derived_from`, e.g. "central (fingerprint 3f2a...)" when the central's derived rows
were inserted as they are, or "derived here: ..." with the reason (a fingerprint mismatch, a
central without derived dumps, a node mirroring only some record types). Shown by
`bch node status`.

Revision ID: 0009_node_derived
Revises: 0007_nodes
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_node_derived"
down_revision = "0007_nodes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("node_state", sa.Column("derived_from", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("node_state") as batch:
        batch.drop_column("derived_from")
