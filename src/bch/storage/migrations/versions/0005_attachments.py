"""Attachments in the database: one row per upload (own id, owner, file name, media type, time)
pointing to a blob shared by identical uploads (issue 17: a second upload of the same bytes took
the first one over).

Before this revision each blob had a JSON file beside it (`<sha256>.json`: name, type, size,
uploader) that the next upload of the same bytes overwrote. Those attachments are kept: each becomes
a row whose id is still the SHA-256, so the URLs already handed out keep working. A JSON file whose
uploader is not a user of this database (another database sharing the folder) or whose blob is
missing is left alone.

Revision ID: 0005_attachments
Revises: 0002
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from bch.storage.blobs import SHA256, default_directory

revision = "0005_attachments"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Ts = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "attachment_blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_attachment_blobs"),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("owner_id", BigId, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("created_at", Ts, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.ForeignKeyConstraint(
            ["sha256"], ["attachment_blobs.sha256"], name="fk_attachments_sha256_attachment_blobs"
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_attachments_owner_id_users"),
    )
    op.create_index("ix_attachments_sha256", "attachments", ["sha256"])
    op.create_index("ix_attachments_owner_id", "attachments", ["owner_id"])
    _keep_existing_attachments(op.get_bind())


def _keep_existing_attachments(conn: sa.Connection) -> None:
    from alembic import context  # the folder bch.storage.migrate.upgrade was given

    directory = default_directory(conn.engine, context.config.attributes.get("attachments_dir"))
    if not directory.is_dir():
        return
    users = sa.table("users", sa.column("id"))
    blobs = sa.table(
        "attachment_blobs", sa.column("sha256"), sa.column("size"), sa.column("created_at")
    )
    rows = sa.table(
        "attachments",
        *(sa.column(c) for c in ("id", "sha256", "owner_id", "name", "media_type", "created_at")),
    )
    known = set(conn.execute(sa.select(users.c.id)).scalars())
    for meta_path in sorted(directory.glob("*.json")):
        sha = meta_path.stem
        blob = directory / sha
        if not SHA256.match(sha) or not blob.is_file():
            continue
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            owner, name, media = int(meta["by"]), str(meta["name"]), str(meta["type"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if owner not in known:
            continue
        at = datetime.fromtimestamp(meta_path.stat().st_mtime, UTC)
        conn.execute(sa.insert(blobs).values(sha256=sha, size=blob.stat().st_size, created_at=at))
        conn.execute(
            sa.insert(rows).values(
                id=sha,
                sha256=sha,
                owner_id=owner,
                name=name[:120] or "attachment",
                media_type=media[:120],
                created_at=at,
            )
        )


def downgrade() -> None:
    # the files stay on disk; names and owners of uploads made since this revision are dropped
    op.drop_table("attachments")
    op.drop_table("attachment_blobs")
