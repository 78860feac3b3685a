"""National nodes (issue 12): the node's state, its outbox of national records, and the
central's stored answers to writes sent with an Idempotency-Key.

Revision ID: 0007_nodes
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_nodes"
down_revision = "0001"
branch_labels = None
depends_on = None

Ts = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "node_state",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("central_url", sa.String(500), nullable=False),
        sa.Column("country", sa.String(4), nullable=False),
        sa.Column("token", sa.Text, nullable=True),
        sa.Column("schemas", Json, nullable=False),
        sa.Column("countries", Json, nullable=False),
        sa.Column("phase", sa.String(12), nullable=False),
        sa.Column("feed_from", sa.BigInteger, nullable=True),
        sa.Column("bootstrapped", Json, nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.Column("central_sequence", sa.BigInteger, nullable=True),
        sa.Column("central_seen_at", Ts, nullable=True),
        sa.Column("applied_at", Ts, nullable=True),
        sa.Column("last_success_at", Ts, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_error_at", Ts, nullable=True),
        sa.Column("created_at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_node_state"),
    )
    op.create_table(
        "node_outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("identifier", sa.String(128), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("document", Json, nullable=False),
        sa.Column("base_revision", sa.Integer, nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("result", Json, nullable=True),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("updated_at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_node_outbox"),
        sa.UniqueConstraint("key", name="uq_node_outbox_key"),
    )
    op.create_index("ix_node_outbox_status_id", "node_outbox", ["status", "id"])
    op.create_index("ix_node_outbox_identifier", "node_outbox", ["identifier"])
    op.create_table(
        "idempotency_results",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", Json, nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_results"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_results")
    op.drop_index("ix_node_outbox_identifier", table_name="node_outbox")
    op.drop_index("ix_node_outbox_status_id", table_name="node_outbox")
    op.drop_table("node_outbox")
    op.drop_table("node_state")
