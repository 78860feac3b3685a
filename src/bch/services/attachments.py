"""Attachment uploads: limited in size (BCH_MAX_ATTACHMENT_BYTES, 20 MiB by default) and type,
the type checked on the content (magic bytes), never on the name or the declared type.

Each upload is its own attachment (own id, owner, file name, media type, time; table
`attachments`); identical bytes are stored once (a blob named after their SHA-256, table
`attachment_blobs`, files in bch.storage.blobs). The uploader and the Secretariat read and delete
an attachment; a blob is removed with the last attachment that uses it."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bch.services.errors import BadRequest, Forbidden, NotFound, ServiceError, UnsupportedMedia
from bch.services.policy import Principal
from bch.storage.attachments import AttachmentRepository, AttachmentRow
from bch.storage.blobs import BlobFiles, default_directory
from bch.storage.database import Connection, Database
from bch.storage.rows import iso_utc, utcnow

__all__ = [
    "MEDIA_TYPES",
    "Attachment",
    "AttachmentStore",
    "TooLarge",
    "default_directory",
    "sniff",
]

DEFAULT_MAX = 20 * 1024 * 1024
_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
# new attachments: 32 hex digits; attachments kept from before migration 0005: their SHA-256
_ID = re.compile(r"^[0-9a-f]{32}(?:[0-9a-f]{32})?$")


class TooLarge(ServiceError):
    status = 413
    code = "payloadTooLarge"


MEDIA_TYPES = (  # what sniff() accepts, hence what downloads are served as
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument",
    "text/plain",
)


def sniff(data: bytes) -> str | None:
    """The media type the content really has, among the accepted ones."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"PK\x03\x04"):
        head = data[:4000]
        if b"word/" in head:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if b"xl/" in head:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if b"mimetypeapplication/vnd.oasis.opendocument" in head:
            return "application/vnd.oasis.opendocument"
        return None
    if b"\x00" in data[:8000]:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if re.search(r"<\s*(html|script|svg|iframe)", text[:8000], re.IGNORECASE):
        return None  # markup is not accepted as text (it would be a stored XSS)
    return "text/plain"


def clean_name(name: str | None) -> str:
    clean = _NAME.sub("_", os.path.basename(name or "attachment")).strip(" .")[:120]
    return clean or "attachment"


@dataclass(frozen=True)
class Attachment:
    id: str
    name: str
    media_type: str
    size: int
    uploaded_by: int
    created_at: datetime
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.media_type,
            "size": self.size,
            "createdAt": iso_utc(self.created_at),
            "url": f"/api/v1/attachments/{self.id}",
        }


def _attachment(row: AttachmentRow) -> Attachment:
    return Attachment(
        row.id, row.name, row.media_type, row.size, row.owner_id, row.created_at, row.sha256
    )


def _may_use(principal: Principal, att: Attachment) -> bool:
    """Who reads and deletes an attachment: its uploader and the Secretariat."""
    return principal.user_id == att.uploaded_by or principal.has_role("secretariat")


def _require_writer(principal: Principal, doing: str) -> None:
    if principal.is_anonymous or principal.scope != "write":
        raise Forbidden(f"sign in with a write token to {doing}")


class AttachmentStore:
    def __init__(self, db: Database, directory: Path | None = None, max_bytes: int = DEFAULT_MAX):
        """`directory`: BCH_ATTACHMENTS_DIR (default: next to a SQLite file, else the user's
        data directory); `max_bytes`: BCH_MAX_ATTACHMENT_BYTES."""
        self.db = db
        self.rows = AttachmentRepository(db)
        self.files = BlobFiles(default_directory(db.engine, directory))
        self.max_bytes = max_bytes

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        # SQLite: the write lock up front; PostgreSQL: row locks on the blob (see save, delete)
        with self.db.writing(changes=False) as conn:
            yield conn

    def save(self, principal: Principal, name: str, data: bytes) -> Attachment:
        _require_writer(principal, "upload")
        if len(data) > self.max_bytes:
            raise TooLarge(f"an attachment is at most {self.max_bytes} bytes")
        if not data:
            raise BadRequest(
                "the upload is empty",
                errors=[
                    {"code": "Error.Mandatory", "path": "", "message": "send the file's bytes"}
                ],
            )
        media = sniff(data)
        if media is None:
            raise UnsupportedMedia(
                "accepted: PDF, PNG, JPEG, GIF, Office/OpenDocument files and plain text "
                "(checked on the content)"
            )
        assert principal.user_id is not None
        digest = hashlib.sha256(data).hexdigest()
        att = Attachment(
            secrets.token_hex(16),
            clean_name(name),
            media,
            len(data),
            principal.user_id,
            utcnow(),
            digest,
        )
        with self._writing() as conn:
            # the blob row is created or locked first: a delete of the last other attachment of
            # these bytes either finished before (the file is written again) or waits for us
            self.rows.claim_blob(conn, digest, len(data), att.created_at)
            self.files.ensure(digest, data)
            self.rows.add(
                conn,
                AttachmentRow(
                    att.id, att.name, media, att.size, att.uploaded_by, att.created_at, digest
                ),
            )
        return att

    def _find(self, conn: Connection, principal: Principal, attachment_id: str) -> Attachment:
        missing = NotFound(f"no attachment {attachment_id}")
        if not _ID.match(attachment_id or ""):
            raise missing
        row = self.rows.get(conn, attachment_id)
        if row is None:
            raise missing
        att = _attachment(row)
        if not _may_use(principal, att):
            raise missing  # someone else's attachment is not even said to exist
        return att

    def get(self, principal: Principal, attachment_id: str) -> Attachment:
        with self.db.reading() as conn:
            return self._find(conn, principal, attachment_id)

    def open(self, principal: Principal, attachment_id: str) -> tuple[Attachment, Path]:
        """The attachment and the file holding its bytes."""
        att = self.get(principal, attachment_id)
        path = self.files.path(att.sha256)
        if not path.is_file():
            raise NotFound(f"the file of attachment {attachment_id} is missing from the store")
        return att, path

    def open_shared(self, attachment_id: str) -> tuple[Attachment, Path]:
        """An attachment a public page shows (a consultation's published document or comment):
        the caller (bch.services.consultations) has checked that the reader may see it."""
        with self.db.reading() as conn:
            row = self.rows.get(conn, attachment_id) if _ID.match(attachment_id or "") else None
        if row is None:
            raise NotFound(f"no attachment {attachment_id}")
        att = _attachment(row)
        path = self.files.path(att.sha256)
        if not path.is_file():
            raise NotFound(f"the file of attachment {attachment_id} is missing from the store")
        return att, path

    def mine(self, principal: Principal) -> list[Attachment]:
        """The caller's attachments, newest first."""
        if principal.is_anonymous:
            return []
        assert principal.user_id is not None
        with self.db.reading() as conn:
            rows = self.rows.of_owner(conn, principal.user_id)
        return [_attachment(r) for r in rows]

    def delete(self, principal: Principal, attachment_id: str) -> None:
        """Delete one attachment; its blob goes only when no other attachment uses it."""
        _require_writer(principal, "delete an attachment")
        aside, digest, unused = None, None, False
        try:
            with self._writing() as conn:
                att = self._find(conn, principal, attachment_id)
                digest = att.sha256
                if not self.rows.remove(conn, att.id):  # deleted by a concurrent request
                    raise NotFound(f"no attachment {attachment_id}")
                unused = self.rows.release_blob(conn, digest)
                if unused:
                    aside = self.files.set_aside(digest)
        except BaseException:
            if digest is not None:
                self.files.restore(digest, aside)
            raise
        if unused:
            self.files.discard(digest, aside)
