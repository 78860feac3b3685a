"""`bch backup OUT` and `bch restore IN` as an operator runs them: the installed console script,
its report, and its refusal of a database that holds rows (exit code 1, nothing changed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bch.services.container import Services
from tests.ops.upgrade_fixture import populate

BCH = str(Path(sys.executable).with_name("bch"))


def _run(*args: str, tmp_path: Path, files: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(tmp_path), "COLUMNS": "200", "BCH_ATTACHMENTS_DIR": str(files)}
    return subprocess.run([BCH, *args], env=env, capture_output=True, text=True, timeout=300)


def test_backup_then_restore_with_the_console_script(services, target_url, tmp_path):
    populate(services)
    source = services.engine.url.render_as_string(hide_password=False)
    archive = tmp_path / "out" / "bch.tar"
    files = services.attachments.files.directory
    done = _run("backup", str(archive), "--database", source, tmp_path=tmp_path, files=files)
    assert done.returncode == 0, done.stderr
    assert "1 attachment files" in done.stdout and "change sequence 7" in done.stdout
    assert archive.is_file() and not archive.with_name("bch.tar.part").exists()

    restored = tmp_path / "restored-files"
    args = ("--database", target_url)
    done = _run("restore", str(archive), *args, tmp_path=tmp_path, files=restored)
    assert done.returncode == 0, done.stderr
    assert "restored" in done.stdout and "1 attachment files" in done.stdout
    assert len(list(restored.iterdir())) == 1
    # a second restore into the now full database is refused, and changes nothing
    again = _run("restore", str(archive), *args, tmp_path=tmp_path, files=restored)
    assert again.returncode == 1
    assert "not empty" in again.stderr and "--force" in again.stderr
    target = Services.open(target_url)
    try:
        assert target.records.health() == services.records.health()
    finally:
        target.close()
