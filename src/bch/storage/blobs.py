"""Attachment bytes on disk, one file per SHA-256 of the content, outside the web root: in
BCH_ATTACHMENTS_DIR, or an `attachments` folder next to a SQLite database, or the user's data
directory. Which uploads use a file is recorded in the database (tables `attachment_blobs` and
`attachments`); this module only writes, finds and removes the files."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Engine

from bch.storage.dialects import dialect_for

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def default_directory(engine: Engine, configured: Path | None = None) -> Path:
    """Where attachment files live: `configured` (Settings.attachments_dir,
    BCH_ATTACHMENTS_DIR), else next to a SQLite file, else the user's data directory."""
    if configured is not None:
        return Path(configured)
    database_file = dialect_for(engine).database_file(engine)
    if database_file is not None:  # SQLite: next to the database file
        return database_file.parent / "attachments"
    return Path(user_data_dir("bch", appauthor=False)) / "attachments"


class BlobFiles:
    def __init__(self, directory: Path):
        self.directory = directory

    def path(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.directory / sha256

    def ensure(self, sha256: str, data: bytes) -> None:
        """The file holds `data` when this returns (written to a private temporary file, synced,
        then renamed into place: a reader never sees half a file)."""
        path = self.path(sha256)
        if path.is_file() and path.stat().st_size == len(data):
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f"{sha256}.{secrets.token_hex(8)}.part"
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def set_aside(self, sha256: str) -> Path | None:
        """Move the file out of the way before the transaction that forgets it commits, so an
        upload of the same bytes waiting on that transaction writes a fresh copy. `restore` puts
        it back if the transaction fails; `discard` removes it once it committed."""
        path = self.path(sha256)
        aside = self.directory / f"{sha256}.{secrets.token_hex(8)}.deleted"
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return None
        return aside

    def restore(self, sha256: str, aside: Path | None) -> None:
        if aside is not None and aside.exists():
            os.replace(aside, self.path(sha256))

    def discard(self, sha256: str, aside: Path | None) -> None:
        if aside is not None:
            aside.unlink(missing_ok=True)
        # metadata file of the layout before migration 0005_attachments (one owner per blob)
        (self.directory / f"{sha256}.json").unlink(missing_ok=True)
