"""Crash safety of the long commands (issue 15 item 6): `bch import` (the shipped data), `bch db
reindex` (the search rows) and `bch backup` killed with SIGKILL at a random moment, on SQLite
and PostgreSQL. Afterwards the database keeps its invariants (tests/faults/test_kill_serve.py:
gap-free change sequence, whole revisions, search agrees with the rows), a killed backup leaves
no archive under its name, and the next run of the command completes."""

from __future__ import annotations

import os
import random
import subprocess
import time
from pathlib import Path

import pytest

from bch.services.container import Services
from tests import factories
from tests.faults.test_kill_serve import BCH, ROOT, _check

pytestmark = pytest.mark.slow


def _killed(args: list[str], after: float, tmp_path: Path) -> int | None:
    """Run `bch ARGS`, SIGKILL it after `after` seconds; its exit code if it ended before."""
    env = {**os.environ, "BCH_ATTACHMENTS_DIR": str(tmp_path / "files")}
    proc = subprocess.Popen(
        [BCH, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    end = time.monotonic() + after
    while time.monotonic() < end and proc.poll() is None:
        time.sleep(0.02)
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=30)
        return None
    return proc.returncode


def test_kill_9_during_import_reindex_and_backup(database, tmp_path):
    rng = random.Random(int(os.environ.get("CRASH_SEED", "15")))
    Services.open(database).close()  # migrated first: the kill lands in the import itself
    _killed(["import", "--database", database], rng.uniform(2, 8), tmp_path)
    _check(database, [])

    svc = Services.open(database)
    try:
        for name in ("Zea mays", "Glycine max", "Oryza sativa", "Solanum tuberosum"):
            svc.records.publish(factories.organism(name))
    finally:
        svc.close()
    _killed(["db", "reindex", "--database", database], rng.uniform(0.5, 3), tmp_path)
    _check(database, [])
    assert _killed(["db", "reindex", "--database", database], 600, tmp_path) == 0
    _check(database, [])

    out = tmp_path / "bch.tar"
    _killed(["backup", str(out), "--database", database], rng.uniform(0.5, 2), tmp_path)
    if out.exists():  # it finished before the kill: it must verify
        svc = Services.open(database)
        try:
            svc.backup.verify(out)
        finally:
            svc.close()
    assert _killed(["backup", str(out), "--database", database], 600, tmp_path) == 0
    svc = Services.open(database)
    try:
        assert svc.backup.verify(out)["changeSequence"] == _check(database, [])
    finally:
        svc.close()
