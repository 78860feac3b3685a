"""The folder of the worker processes' metrics (`bch serve --workers N`): prometheus_client's
multiprocess files (PROMETHEUS_MULTIPROC_DIR), a new one per run in the temporary folder
(`$TMPDIR/bch-metrics-*`: stale files would add old counts), removed when the supervisor stops. The run's other per-run files live in it too (the pages the
workers share, services/shared_pages.py: `subfolder`), so they go with it. prometheus_client
reads only the folder's own `*.db` files, not its subfolders.

A supervisor killed with SIGKILL (or by the OOM killer) cannot remove its folder. So each folder
holds an owner file its supervisor keeps locked (flock) as long as it lives - the kernel releases
the lock when the process ends, however it ends - and a starting supervisor removes the folders
whose owner file it can lock: their owner is gone, whatever process its pid names now. A folder
without an owner file (one being made, or left by a release before this one) is left alone."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

PREFIX = "bch-metrics-"
OWNER = "owner.lock"


@dataclass
class MetricsDir:
    """A folder this process owns while `fd` (its owner file, locked) is open."""

    path: str
    fd: int

    def subfolder(self, name: str) -> str:
        """A folder of this run inside this one (only this user may read it), removed with it."""
        path = os.path.join(self.path, name)
        os.mkdir(path, 0o700)
        return path

    def release(self) -> None:
        """Remove the folder, then give up the lock (never the reverse: a starting supervisor
        could otherwise remove it first, which does no harm either)."""
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(self.fd)


def claim() -> MetricsDir:
    """The stale folders of killed supervisors removed, a new folder made and owned."""
    remove_stale()
    path = tempfile.mkdtemp(prefix=PREFIX)
    # locked under another name, then renamed: a folder's owner file is never seen unlocked
    # while its supervisor lives (the lock stays with the file through the rename)
    new = os.path.join(path, f"{OWNER}.new")
    fd = os.open(new, os.O_CREAT | os.O_RDWR, 0o600)  # not inherited by the workers
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(new, os.path.join(path, OWNER))
    return MetricsDir(path, fd)


def remove_stale(folder: str | None = None) -> list[str]:
    """Remove the metrics folders in `folder` (the temporary one by default) whose owner is
    gone; the folders removed."""
    removed = []
    for entry in sorted(Path(folder or tempfile.gettempdir()).glob(f"{PREFIX}*")):
        try:
            fd = os.open(entry / OWNER, os.O_RDWR)
        except OSError:  # no owner file, not a folder, another user's: left alone
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its supervisor is alive
            os.close(fd)
            continue
        try:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(str(entry))
        finally:
            os.close(fd)
    return removed
