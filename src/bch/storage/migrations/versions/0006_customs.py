"""Customs and e-learning (issue 13): saved shipment checks, learners' progress, certificates.

Revision ID: 0006_customs
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_customs"
down_revision = "0001"
branch_labels = None
depends_on = ("0002",)  # learners are users (table users, migration 0002)

Json = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customs_checks",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("destination", sa.String(4), nullable=False),
        sa.Column("result", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customs_checks"),
    )
    op.create_table(
        "learning_progress",
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("lesson", sa.String(64), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_learning_progress_user_id_users"
        ),
        sa.PrimaryKeyConstraint("user_id", "module", "lesson", name="pk_learning_progress"),
    )
    op.create_table(
        "learning_certificates",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("module_version", sa.String(32), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("learner", sa.String(200), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("issued_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_learning_certificates_user_id_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_learning_certificates"),
    )
    op.create_index(
        "ix_learning_certificates_user_id_module",
        "learning_certificates",
        ["user_id", "module"],
    )


def downgrade() -> None:
    op.drop_index("ix_learning_certificates_user_id_module", "learning_certificates")
    op.drop_table("learning_certificates")
    op.drop_table("learning_progress")
    op.drop_table("customs_checks")
