"""Attachment uploads: limited in size (BCH_MAX_ATTACHMENT_BYTES, 20 MiB by default) and type,
the type checked on the content (magic bytes), never on the name or the declared type. Files are
stored outside the web root, in BCH_ATTACHMENTS_DIR or an `attachments` folder next to the SQLite
database, under their SHA-256; a small JSON file beside each keeps its name, type and uploader."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import Engine

from bch.services.errors import BadRequest, Forbidden, NotFound, ServiceError, UnsupportedMedia
from bch.services.policy import Principal

DEFAULT_MAX = 20 * 1024 * 1024
_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
_ID = re.compile(r"^[0-9a-f]{64}$")


class TooLarge(ServiceError):
    status = 413
    code = "payloadTooLarge"


def max_bytes() -> int:
    try:
        return int(os.environ.get("BCH_MAX_ATTACHMENT_BYTES") or DEFAULT_MAX)
    except ValueError:
        return DEFAULT_MAX


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


@dataclass(frozen=True)
class Attachment:
    id: str
    name: str
    media_type: str
    size: int
    uploaded_by: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "type": self.media_type,
            "size": self.size,
            "url": f"/api/v1/attachments/{self.id}",
        }


def default_directory(engine: Engine) -> Path:
    env = os.environ.get("BCH_ATTACHMENTS_DIR")
    if env:
        return Path(env)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database).expanduser().resolve().parent / "attachments"
    return Path(user_data_dir("bch", appauthor=False)) / "attachments"


class AttachmentStore:
    def __init__(self, directory: Path):
        self.directory = directory

    def save(self, principal: Principal, name: str, data: bytes) -> Attachment:
        if principal.is_anonymous or principal.scope != "write":
            raise Forbidden("sign in with a write token to upload")
        if len(data) > max_bytes():
            raise TooLarge(f"an attachment is at most {max_bytes()} bytes")
        if not data:
            raise BadRequest("the upload is empty")
        media = sniff(data)
        if media is None:
            raise UnsupportedMedia(
                "accepted: PDF, PNG, JPEG, GIF, Office/OpenDocument files and plain text "
                "(checked on the content)"
            )
        clean = _NAME.sub("_", os.path.basename(name or "attachment")).strip(" .")[:120]
        digest = hashlib.sha256(data).hexdigest()
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / digest
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)
        att = Attachment(digest, clean or "attachment", media, len(data), principal.user_id)
        meta = {"name": att.name, "type": media, "size": att.size, "by": principal.user_id}
        (self.directory / f"{digest}.json").write_text(json.dumps(meta))
        return att

    def open(self, principal: Principal, attachment_id: str) -> tuple[Attachment, Path]:
        """The uploader and the Secretariat read an attachment (published records link to it)."""
        meta_path = self.directory / f"{attachment_id}.json"
        if not _ID.match(attachment_id) or not meta_path.exists():
            raise NotFound(f"no attachment {attachment_id}")
        meta = json.loads(meta_path.read_text())
        att = Attachment(attachment_id, meta["name"], meta["type"], meta["size"], meta["by"])
        if principal.user_id != att.uploaded_by and not principal.has_role("secretariat"):
            raise NotFound(f"no attachment {attachment_id}")
        return att, self.directory / attachment_id
