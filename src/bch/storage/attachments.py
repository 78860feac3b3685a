"""Attachment metadata (tables `attachments` and `attachment_blobs`): each upload is its own row;
identical bytes share one blob row, keyed by their SHA-256 (the bytes themselves are files,
bch.storage.blobs). Writers lock the blob row so that an upload and the deletion of the last
other attachment of the same bytes never interleave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select

from bch.storage.database import Database
from bch.storage.rows import as_utc
from bch.storage.tables import attachment_blobs, attachments


@dataclass(frozen=True)
class AttachmentRow:
    id: str
    name: str
    media_type: str
    size: int
    owner_id: int
    created_at: datetime
    sha256: str


_COLUMNS = (
    attachments.c.id,
    attachments.c.name,
    attachments.c.media_type,
    attachment_blobs.c.size,
    attachments.c.owner_id,
    attachments.c.created_at,
    attachments.c.sha256,
)
_SELECT = select(*_COLUMNS).join_from(attachments, attachment_blobs)


def _row(row) -> AttachmentRow:
    return AttachmentRow(
        row.id,
        row.name,
        row.media_type,
        row.size,
        row.owner_id,
        as_utc(row.created_at),
        row.sha256,
    )


class AttachmentRepository:
    def __init__(self, db: Database):
        self.db = db

    def claim_blob(self, conn: Connection, sha256: str, size: int, at: datetime) -> None:
        """Create the blob row of these bytes, or lock the existing one until commit."""
        stmt = self.db.dialect.insert(attachment_blobs).values(
            sha256=sha256, size=size, created_at=at
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[attachment_blobs.c.sha256], set_={"size": stmt.excluded.size}
            )
        )

    def add(self, conn: Connection, att: AttachmentRow) -> None:
        conn.execute(
            insert(attachments).values(
                id=att.id,
                sha256=att.sha256,
                owner_id=att.owner_id,
                name=att.name,
                media_type=att.media_type,
                created_at=att.created_at,
            )
        )

    def get(self, conn: Connection, attachment_id: str) -> AttachmentRow | None:
        row = conn.execute(_SELECT.where(attachments.c.id == attachment_id)).first()
        return _row(row) if row else None

    def of_owner(self, conn: Connection, owner_id: int) -> list[AttachmentRow]:
        """Newest first."""
        rows = conn.execute(
            _SELECT.where(attachments.c.owner_id == owner_id).order_by(
                attachments.c.created_at.desc(), attachments.c.id
            )
        ).all()
        return [_row(r) for r in rows]

    def remove(self, conn: Connection, attachment_id: str) -> bool:
        """Delete one attachment row; False when it was gone already."""
        return bool(
            conn.execute(delete(attachments).where(attachments.c.id == attachment_id)).rowcount
        )

    def release_blob(self, conn: Connection, sha256: str) -> bool:
        """After an attachment of these bytes was removed: lock the blob row, count the
        attachments still using it (a new statement sees uploads that held the lock and
        committed meanwhile) and delete the row when none does. True when it was deleted."""
        conn.execute(
            select(attachment_blobs.c.sha256)
            .where(attachment_blobs.c.sha256 == sha256)
            .with_for_update()
        ).first()
        users = conn.execute(
            select(func.count()).where(attachments.c.sha256 == sha256)
        ).scalar_one()
        if users:
            return False
        conn.execute(delete(attachment_blobs).where(attachment_blobs.c.sha256 == sha256))
        return True
