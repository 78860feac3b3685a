"""Alerts: e-mail subscriptions, the outbox of alert mails and the matcher's cursor (issue 14).

Revision ID: 0007_alerts
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_alerts"
down_revision = "0001"
branch_labels = None
depends_on = None

Ts = sa.DateTime(timezone=True)
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("filters", Json, nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("confirmed_at", Ts, nullable=True),
        sa.Column("digest_at", Ts, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_subscriptions"),
        sa.UniqueConstraint("token", name="uq_alert_subscriptions_token"),
    )
    op.create_index("ix_alert_subscriptions_email", "alert_subscriptions", ["email"])
    op.create_table(
        "alert_outbox",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("document_id", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("due_at", Ts, nullable=False),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("claim_until", Ts, nullable=True),
        sa.Column("sent_at", Ts, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alert_outbox"),
    )
    op.create_index(
        "ix_alert_outbox_subscription_id_seq",
        "alert_outbox",
        ["subscription_id", "seq"],
        unique=True,
    )
    op.create_index("ix_alert_outbox_state_due_at", "alert_outbox", ["state", "due_at"])
    op.create_table(
        "alert_cursor",
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_alert_cursor"),
    )


def downgrade() -> None:
    op.drop_table("alert_cursor")
    op.drop_index("ix_alert_outbox_state_due_at", table_name="alert_outbox")
    op.drop_index("ix_alert_outbox_subscription_id_seq", table_name="alert_outbox")
    op.drop_table("alert_outbox")
    op.drop_index("ix_alert_subscriptions_email", table_name="alert_subscriptions")
    op.drop_table("alert_subscriptions")
