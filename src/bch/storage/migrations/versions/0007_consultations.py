"""Public participation (issue 14): consultations on pending decisions and their comments,
online forums (discussion groups, threads, posts, members, subscriptions).

Revision ID: 0007_consultations
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007_consultations"
down_revision = "0001"
branch_labels = None
depends_on = ("0002",)  # commenters and participants are users (table users, migration 0002)

Json = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def _user_fk(table: str, column: str = "user_id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users")


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("country", sa.String(8), nullable=True),
        sa.Column("country_name", sa.String(200), nullable=True),
        sa.Column("title", Json, nullable=False),
        sa.Column("summary", Json, nullable=False),
        sa.Column("languages", Json, nullable=False),
        sa.Column("lmo", sa.String(200), nullable=True),
        sa.Column("intended_use", sa.String(40), nullable=True),
        sa.Column("documents", Json, nullable=False),
        sa.Column("opens_at", When, nullable=True),
        sa.Column("closes_at", When, nullable=False),
        sa.Column("moderation", sa.String(8), nullable=False),
        sa.Column("source", Json, nullable=True),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("closed_at", When, nullable=True),
        sa.Column("response", Json, nullable=True),
        sa.Column("responded_at", When, nullable=True),
        sa.Column("decision", sa.String(128), nullable=True),
        _user_fk("consultations", "created_by"),
        sa.PrimaryKeyConstraint("id", name="pk_consultations"),
    )
    op.create_index("ix_consultations_closes_at", "consultations", ["closes_at"])
    op.create_index("ix_consultations_decision", "consultations", ["decision"])
    op.create_table(
        "consultation_comments",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("consultation_id", sa.String(64), nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("attachment_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("moderated_at", When, nullable=True),
        sa.Column("moderated_by", sa.String(254), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("deleted", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name="fk_consultation_comments_consultation_id_consultations",
        ),
        _user_fk("consultation_comments"),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_comments"),
    )
    op.create_index(
        "ix_consultation_comments_consultation_id",
        "consultation_comments",
        ["consultation_id"],
    )
    op.create_index("ix_consultation_comments_user_id", "consultation_comments", ["user_id"])
    op.create_table(
        "forums",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(8), nullable=False),
        sa.Column("title", Json, nullable=False),
        sa.Column("description", Json, nullable=False),
        sa.Column("participation", sa.String(8), nullable=False),
        sa.Column("premoderation", sa.Integer(), nullable=False),
        sa.Column("opens_at", When, nullable=True),
        sa.Column("closes_at", When, nullable=True),
        sa.Column("archived", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("source", Json, nullable=True),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("created_at", When, nullable=False),
        _user_fk("forums", "created_by"),
        sa.PrimaryKeyConstraint("id", name="pk_forums"),
    )
    op.create_table(
        "forum_groups",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("forum_id", sa.String(64), nullable=False),
        sa.Column("title", Json, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forums.id"], name="fk_forum_groups_forum_id_forums"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_forum_groups"),
    )
    op.create_table(
        "forum_threads",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("forum_id", sa.String(64), nullable=False),
        sa.Column("group_id", BigId, nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forums.id"], name="fk_forum_threads_forum_id_forums"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["forum_groups.id"], name="fk_forum_threads_group_id_forum_groups"
        ),
        _user_fk("forum_threads"),
        sa.PrimaryKeyConstraint("id", name="pk_forum_threads"),
    )
    op.create_index("ix_forum_threads_forum_id", "forum_threads", ["forum_id"])
    op.create_table(
        "forum_posts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("thread_id", BigId, nullable=False),
        sa.Column("parent_id", BigId, nullable=True),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("synthesis", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("moderated_at", When, nullable=True),
        sa.Column("moderated_by", sa.String(254), nullable=True),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["forum_threads.id"], name="fk_forum_posts_thread_id_forum_threads"
        ),
        _user_fk("forum_posts"),
        sa.PrimaryKeyConstraint("id", name="pk_forum_posts"),
    )
    op.create_index("ix_forum_posts_thread_id", "forum_posts", ["thread_id"])
    op.create_index("ix_forum_posts_user_id", "forum_posts", ["user_id"])
    op.create_table(
        "forum_members",
        sa.Column("forum_id", sa.String(64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forums.id"], name="fk_forum_members_forum_id_forums"
        ),
        _user_fk("forum_members"),
        sa.PrimaryKeyConstraint("forum_id", "user_id", name="pk_forum_members"),
    )
    op.create_table(
        "forum_subscriptions",
        sa.Column("thread_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["forum_threads.id"],
            name="fk_forum_subscriptions_thread_id_forum_threads",
        ),
        _user_fk("forum_subscriptions"),
        sa.PrimaryKeyConstraint("thread_id", "user_id", name="pk_forum_subscriptions"),
    )


def downgrade() -> None:
    for table in (
        "forum_subscriptions",
        "forum_members",
        "forum_posts",
        "forum_threads",
        "forum_groups",
        "forums",
        "consultation_comments",
        "consultations",
    ):
        op.drop_table(table)
