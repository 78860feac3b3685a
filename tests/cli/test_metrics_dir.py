"""The workers' metrics folders (bch.cli.metrics_dir): a starting `bch serve --workers N`
removes those of supervisors that are gone (killed with SIGKILL: they could not remove their
own), never one whose supervisor lives, nor one it cannot tell the owner of. The real kill -9:
tests/cli/test_workers_parent.py."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bch.cli import metrics_dir


def test_only_the_folders_of_gone_supervisors_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    alive = metrics_dir.claim()  # held by this process, as by a running supervisor
    gone = metrics_dir.claim()
    os.close(gone.fd)  # its supervisor ended without removing it: the kernel freed the lock
    older = tmp_path / "bch-metrics-older"  # an older release's: no owner file
    older.mkdir()
    (older / "counter_1.db").write_bytes(b"")
    assert Path(alive.path).parent == tmp_path and (Path(alive.path) / "owner.lock").exists()

    newest = metrics_dir.claim()  # a new supervisor starting
    assert not Path(gone.path).exists()
    assert Path(alive.path).exists() and older.exists() and Path(newest.path).exists()
    assert metrics_dir.remove_stale() == []  # the living ones are kept

    alive.release()
    newest.release()
    assert not Path(alive.path).exists() and not Path(newest.path).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bch-metrics-older"]
