"""`bch backup` and `bch restore`: one archive holding a consistent copy of the database and the
attachment files it uses, with a manifest to check it by.

The archive is a tar file:

* `manifest.json` (first member): format, the bch version that wrote it, the database (dialect,
  server version), the migration revisions, the change sequence head, the time, rows per table,
  and the SHA-256 of every other member;
* `tables/<table>.ndjson.gz`: the first line lists the columns, each next line is one row
  (bch.storage.backup: all tables read in one snapshot transaction, so writers go on meanwhile);
* `blobs/<sha256>`: the attachment files named by the snapshot's `attachment_blobs` rows.

Restore checks every member's checksum and row count before anything is written, applies the
archive's migrations to an empty database, writes every row in one transaction (the search
indexes rebuilt once at its end, not fed row by row: bch.storage.backup.bulk_load), then applies
the newer migrations of this release. A database that holds rows is refused unless `force`."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import platform
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bch import __version__
from bch.services.errors import BadRequest, Conflict
from bch.storage import backup as rows
from bch.storage import migrate
from bch.storage.blobs import SHA256, BlobFiles
from bch.storage.database import Database

FORMAT = "bch-backup/1"
Progress = Callable[[str, int], None]  # (what, how many done)


def _quiet(_what: str, _done: int) -> None:
    pass


@dataclass
class BackupReport:
    path: Path
    manifest: dict[str, Any]

    @property
    def rows(self) -> int:
        return sum(self.manifest["counts"].values())


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    rows: int = 0
    blobs: int = 0
    revisions: list[str] = field(default_factory=list)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class BackupService:
    def __init__(self, db: Database, attachments_dir: Path):
        self.db = db
        self.blobs = BlobFiles(attachments_dir)

    # -- backup ----------------------------------------------------------------------------------
    def backup(self, out: Path, progress: Progress = _quiet) -> BackupReport:
        """Write the archive to `out` (through a temporary file renamed at the end: a failed
        backup leaves no partial archive under that name)."""
        out = Path(out)
        with tempfile.TemporaryDirectory(prefix="bch-backup-") as scratch:
            staging = Path(scratch)
            (staging / "tables").mkdir()
            counts: dict[str, int] = {}
            conn = self.db.snapshot()
            try:
                revisions = sorted(migrate.current_revisions_of(conn))
                head = rows.change_head(conn)
                server = rows.server_version(conn)
                for name in rows.tables_present(conn):
                    counts[name] = self._dump_table(conn, name, staging, progress)
                shas = self._blob_names(conn) if "attachment_blobs" in counts else []
            finally:
                conn.close()
            missing = self._copy_blobs(shas, staging, progress)
            members = sorted(
                p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()
            )
            manifest = {
                "format": FORMAT,
                "bch": __version__,
                "python": platform.python_version(),
                "database": {"dialect": self.db.name, "server": server},
                "migrations": revisions,
                "changeSequence": head,
                "createdAt": datetime.now(UTC).isoformat(),
                "counts": counts,
                "blobs": len(shas) - len(missing),
                "missingBlobs": missing,
                "checksums": {m: _sha256_file(staging / m) for m in members},
            }
            out.parent.mkdir(parents=True, exist_ok=True)
            part = out.with_name(out.name + ".part")
            with tarfile.open(part, "w") as tar:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(data)
                info.mtime = int(datetime.now(UTC).timestamp())
                tar.addfile(info, io.BytesIO(data))
                for m in members:
                    tar.add(staging / m, arcname=m, recursive=False)
                progress("archive", len(members) + 1)
            with open(part, "rb") as f:
                os.fsync(f.fileno())
            os.replace(part, out)
        return BackupReport(out, manifest)

    def _dump_table(self, conn, name: str, staging: Path, progress: Progress) -> int:
        n = 0
        with gzip.open(staging / "tables" / f"{name}.ndjson.gz", "wb", compresslevel=6) as f:
            f.write(orjson.dumps(rows.columns_of(name)) + b"\n")
            for row in rows.read_rows(conn, name):
                f.write(orjson.dumps(row) + b"\n")
                n += 1
                if n % 5000 == 0:
                    progress(name, n)
        progress(name, n)
        return n

    def _blob_names(self, conn) -> list[str]:
        return [r[0] for r in rows.read_rows(conn, "attachment_blobs")]

    def _copy_blobs(self, shas: list[str], staging: Path, progress: Progress) -> list[str]:
        """Copy the files (immutable, named by their content) into the staging folder; the
        names whose file is gone (removed after the snapshot) are returned."""
        folder = staging / "blobs"
        folder.mkdir()
        missing = []
        for i, sha in enumerate(shas, 1):
            source = self.blobs.path(sha)
            try:
                data = source.read_bytes()
            except FileNotFoundError:
                missing.append(sha)
                continue
            (folder / sha).write_bytes(data)
            progress("blobs", i)
        return missing

    # -- restore ---------------------------------------------------------------------------------
    def read_manifest(self, archive: Path) -> dict[str, Any]:
        try:
            with tarfile.open(archive, "r") as tar:
                member = tar.extractfile("manifest.json")
                if member is None:
                    raise KeyError("manifest.json")
                manifest = json.loads(member.read())
        except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
            raise BadRequest(f"{archive}: not a bch backup archive ({exc})") from None
        if manifest.get("format") != FORMAT:
            raise BadRequest(
                f"{archive}: archive format {manifest.get('format')!r}, expected {FORMAT!r}"
            )
        return manifest

    def verify(self, archive: Path, progress: Progress = _quiet) -> dict[str, Any]:
        """The manifest, once every member's checksum and every table's row count match it
        (BadRequest naming the first member that does not)."""
        manifest = self.read_manifest(archive)
        expected = manifest["checksums"]
        seen = set()
        with tarfile.open(archive, "r") as tar:
            for member in tar:
                if member.name == "manifest.json":
                    continue
                if member.name not in expected or not member.isfile():
                    raise BadRequest(f"{archive}: unexpected member {member.name!r}")
                f = tar.extractfile(member)
                assert f is not None
                if hashlib.file_digest(f, "sha256").hexdigest() != expected[member.name]:
                    raise BadRequest(f"{archive}: {member.name} does not match its checksum")
                seen.add(member.name)
                progress("verified", len(seen))
        if seen != set(expected):
            raise BadRequest(f"{archive}: members missing: {sorted(set(expected) - seen)}")
        for name in manifest["counts"]:
            if not rows.known_table(name):
                raise BadRequest(f"{archive}: table {name!r} is unknown to bch {__version__}")
        unknown = set(manifest["migrations"]) - migrate.all_revisions()
        if unknown:
            raise BadRequest(
                f"{archive}: made at migrations {sorted(unknown)} that bch {__version__} does "
                "not know: restore it with the release that made it (or a newer one)"
            )
        return manifest

    def restore(
        self, archive: Path, *, force: bool = False, progress: Progress = _quiet
    ) -> RestoreReport:
        archive = Path(archive)
        manifest = self.verify(archive, progress)
        engine = self.db.engine
        current = migrate.current_revisions(engine)
        with self.db.reading() as conn:
            held = {n: c for n, c in rows.counts(conn).items() if c} if current else {}
        if held and not force:
            raise Conflict(
                f"the database is not empty ({sum(held.values())} rows, e.g. "
                f"{', '.join(f'{n}: {c}' for n, c in list(held.items())[:3])}): restore into "
                "an empty database, or pass --force to replace its content"
            )
        wanted = set(manifest["migrations"])
        if current and current != wanted:
            raise Conflict(
                f"the database is at migrations {sorted(current)}, the archive at "
                f"{sorted(wanted)}: restore into a new, empty database (not upgraded), which "
                "is then upgraded to this release"
            )
        if not current and wanted == migrate.head_revisions():
            migrate.upgrade(engine)  # made by this release: every head in one Alembic run
        elif not current:
            for revision in sorted(wanted):
                migrate.upgrade(engine, revision)
        report = RestoreReport(manifest)
        with tarfile.open(archive, "r") as tar, self.db.writing() as conn:
            with rows.bulk_load(conn):  # search indexes rebuilt once, not fed row by row
                rows.clear(conn)
                for name in [n for n in rows.tables_present(conn) if n in manifest["counts"]]:
                    report.rows += self._load_table(tar, conn, name, manifest, progress)
            rows.after_restore(conn)
            for sha in self._blob_members(manifest):
                f = tar.extractfile(f"blobs/{sha}")
                assert f is not None
                self.blobs.ensure(sha, f.read())
                report.blobs += 1
                progress("blobs", report.blobs)
        migrate.upgrade(engine)  # the migrations of this release the archive predates
        report.revisions = sorted(migrate.current_revisions(engine))
        return report

    def _load_table(self, tar, conn, name: str, manifest, progress: Progress) -> int:
        f = tar.extractfile(f"tables/{name}.ndjson.gz")
        assert f is not None
        with gzip.open(f, "rb") as lines:
            columns = orjson.loads(lines.readline())
            unknown = rows.unknown_columns(name, columns)
            if unknown:
                raise BadRequest(f"table {name}: columns {unknown} unknown to bch {__version__}")
            n = rows.write_rows(conn, name, columns, (orjson.loads(line) for line in lines))
        if n != manifest["counts"][name]:
            said = manifest["counts"][name]
            raise BadRequest(f"table {name}: {n} rows read, the manifest says {said}")
        progress(name, n)
        return n

    @staticmethod
    def _blob_members(manifest) -> list[str]:
        return sorted(
            m.removeprefix("blobs/")
            for m in manifest["checksums"]
            if m.startswith("blobs/") and SHA256.match(m.removeprefix("blobs/"))
        )
