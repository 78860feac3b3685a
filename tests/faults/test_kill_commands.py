"""Crash safety of the long commands (issue 15 item 6): `bch import` (the shipped data), `bch db
reindex` (the search rows) and `bch backup` killed with SIGKILL on SQLite and PostgreSQL, each at
an observed phase of its work plus a seeded amount of its CPU (tests/faults/kill_points.py):

* the import inside its write transaction (it is all or nothing: killed inside it, the database
  holds none of it);
* the reindex inside one of its write transactions (most seeds), or it ends first;
* the backup while it writes its archive (most seeds), or once it has begun its dump: a killed
  backup leaves no archive under its name, and one that finished before the kill verifies.

After each kill the database keeps the invariants of tests/faults/invariants.py, and the next run
of the reindex and of the backup completes (the backup verifies, at the change sequence
checked). Bounded in `make test-slow` (CRASH_ROUNDS, default 1); `make crash` runs 25."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from bch.services.container import Services
from bch.services.reindex import reindex
from tests import factories
from tests.faults.invariants import check
from tests.faults.kill_points import Victim, kill_at, rounds, writing
from tests.faults.test_kill_serve import BCH, ROOT

pytestmark = pytest.mark.slow


def _command(args: list[str], database: str, tmp_path: Path) -> tuple[Victim, Path]:
    """`bch ARGS` started, and its own temporary folder (where a backup's scratch appears)."""
    scratch = Path(tempfile.mkdtemp(dir=tmp_path))
    env = {**os.environ, "BCH_ATTACHMENTS_DIR": str(tmp_path / "files"), "TMPDIR": str(scratch)}
    return Victim([BCH, *args, "--database", database], cwd=ROOT, env=env), scratch


def test_kill_9_during_import_reindex_and_backup(database, tmp_path):
    Services.open(database).close()  # migrated first: the kill lands in the import itself
    out = tmp_path / "bch.tar"
    part = out.with_name(out.name + ".part")  # what the backup writes before its rename
    with writing(database) as in_write:
        for rng in rounds("commands", 1):
            # the import, killed inside its one write transaction
            victim, _ = _command(["import"], database, tmp_path)
            before = check(database, [])
            with victim:  # no process left behind by a failed wait
                kill = kill_at(
                    victim, in_write, "the import writing", rng.uniform(0.0, 2.5), in_write
                )
            after = check(database, [])
            if kill.inside:
                assert after == before, "a killed import left part of its write"
            else:  # it committed before the kill, or ended
                assert kill.exited in (None, 0), kill
                assert after > before or before, "the import committed nothing"
            print(f"  import: {kill}, change sequence {before} -> {after}")

            svc = Services.open(database)
            try:
                for name in ("Zea mays", "Glycine max", "Oryza sativa", "Solanum tuberosum"):
                    svc.records.publish(factories.organism(name))
            finally:
                svc.close()
            # the reindex: inside its first write transaction (most seeds: its writes may last
            # milliseconds, the probe looks every 2), else after a seeded amount of its CPU
            victim, _ = _command(["db", "reindex"], database, tmp_path)
            anywhere = rng.random() >= 0.75
            with victim:  # no process left behind by a failed wait
                kill = kill_at(
                    victim,
                    lambda: True,
                    "the reindex started",
                    rng.uniform(0.0, 2.0) if anywhere else 0.0,
                    in_write,
                    tries=1 if anywhere else 10_000,
                )
            assert kill.exited in (None, 0), kill
            sequence = check(database, [])
            print(f"  reindex: {kill}{' at a seeded moment' * anywhere}")
            svc = Services.open(database)  # the next run completes
            try:
                reindex(svc)
            finally:
                svc.close()
            assert check(database, []) == sequence

            # the backup: while it writes its archive (most seeds; into `.part`, renamed at the
            # end: an archive under its name is whole, a cut one fails to verify),
            # else once its dump began and it used a seeded amount of CPU more
            out.unlink(missing_ok=True)
            victim, scratch = _command(["backup", str(out)], database, tmp_path)
            anywhere = rng.random() >= 0.75
            with victim:  # no process left behind by a failed wait
                kill = kill_at(
                    victim,
                    lambda f=scratch, a=anywhere: not a or any(f.glob("bch-backup-*")),
                    "the backup dumping",
                    rng.uniform(0.0, 0.15) if anywhere else 0.0,
                    lambda: part.exists() or out.exists(),  # the archive being written
                    tries=1 if anywhere else 10_000,
                )
            assert kill.exited in (None, 0), kill
            svc = Services.open(database)
            try:
                if out.exists():  # killed after its rename, or ended: a whole archive
                    assert svc.backup.verify(out)["changeSequence"] == sequence
                out.unlink(missing_ok=True)
                svc.backup.backup(out)  # the next run completes
                assert svc.backup.verify(out)["changeSequence"] == check(database, [])
            finally:
                svc.close()
            print(f"  backup: {kill}{' at a seeded moment' * anywhere}")
