"""Accounts, roles, API tokens, sessions, drafts, publishing requests and the audit log.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = sa.DateTime(timezone=True)


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{table}_user_id_users")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("confirmed_at", Ts, nullable=True),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", Ts, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "role_grants",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("country", sa.String(4), nullable=True),
        sa.Column("schemas", Json, nullable=True),
        sa.Column("granted_at", Ts, nullable=False),
        sa.Column("granted_by", sa.String(254), nullable=False),
        sa.Column("revoked_at", Ts, nullable=True),
        sa.Column("revoked_by", sa.String(254), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_role_grants"),
        _user_fk("role_grants"),
    )
    op.create_index("ix_role_grants_user_id", "role_grants", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("expires_at", Ts, nullable=False),
        sa.Column("last_used_at", Ts, nullable=True),
        sa.Column("revoked_at", Ts, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
        _user_fk("api_tokens"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("expires_at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
        _user_fk("sessions"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "account_tickets",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("purpose", sa.String(10), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("expires_at", Ts, nullable=False),
        sa.Column("used_at", Ts, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_account_tickets"),
        _user_fk("account_tickets"),
    )
    op.create_table(
        "drafts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("identifier", sa.String(128), nullable=False),
        sa.Column("realm", sa.String(10), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(4), nullable=False),
        sa.Column("document", Json, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("base_revision", sa.Integer, nullable=True),
        sa.Column("author_id", BigId, nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.Column("updated_at", Ts, nullable=False),
        sa.Column("updated_by", sa.String(254), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
        sa.UniqueConstraint("identifier", name="uq_drafts_identifier"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_drafts_author_id_users"),
    )
    op.create_index("ix_drafts_owner_schema", "drafts", ["owner", "schema"])
    op.create_table(
        "publishing_requests",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("identifier", sa.String(128), nullable=False),
        sa.Column("realm", sa.String(10), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(4), nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("requested_by", BigId, nullable=False),
        sa.Column("requested_at", Ts, nullable=False),
        sa.Column("deadline", Ts, nullable=False),
        sa.Column("reminders_sent", sa.Integer, nullable=False),
        sa.Column("decided_by", sa.String(254), nullable=True),
        sa.Column("decided_at", Ts, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("result", sa.String(80), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_publishing_requests"),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name="fk_publishing_requests_requested_by_users"
        ),
    )
    op.create_index("ix_publishing_requests_state_owner", "publishing_requests", ["state", "owner"])
    op.create_index("ix_publishing_requests_identifier", "publishing_requests", ["identifier"])
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", Ts, nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("record", sa.String(128), nullable=True),
        sa.Column("revision", sa.Integer, nullable=True),
        sa.Column("before_sha256", sa.String(64), nullable=True),
        sa.Column("after_sha256", sa.String(64), nullable=True),
        sa.Column("detail", Json, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_record", "audit_log", ["record"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "publishing_requests",
        "drafts",
        "account_tickets",
        "sessions",
        "api_tokens",
        "role_grants",
        "users",
    ):
        op.drop_table(table)
