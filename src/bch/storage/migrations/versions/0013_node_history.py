"""A national node copies the central's older revisions of the records it mirrors (issue 12:
"mirrored records keep their central identifiers and revisions"; the dumps and the table snapshot
carry each record's latest revision only): `node_state.history` is where that copy stands
({"after": the central's cursor, "revisions": written so far, "done": bool}; NULL: not begun).

Revision ID: 0013_node_history
Revises: 0012_v2013_phrases
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013_node_history"
down_revision = "0012_v2013_phrases"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("node_state", sa.Column("history", Json, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("node_state") as batch:
        batch.drop_column("history")
