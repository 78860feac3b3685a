"""`bch serve --workers 2` killed with SIGKILL leaves no worker behind (issue 15): the workers
see their supervisor end (bch.cli.worker_parent) and stop, and the port is free again - before,
they kept serving, holding the port and the database, with nobody left to stop them. Its
metrics folder (`$TMPDIR/bch-metrics-*`), which it could not remove, is removed by the next
`bch serve --workers 2` (bch.cli.metrics_dir); before, each such kill left one in /tmp."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import psutil
import pytest

from tests.cli.test_workers import BCH, ROOT, _free_port, worker_processes
from tests.waiting import until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workers")]


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _metrics_dirs(tmp: Path) -> set[str]:
    return {p.name for p in tmp.glob("bch-metrics-*")}


def test_the_workers_end_when_their_supervisor_is_killed(tmp_path, _sqlite_template):
    path = tmp_path / "bch.db"
    shutil.copy(_sqlite_template, path)
    tmp = tmp_path / "tmp"  # the metrics folders of this test's servers, and nothing else
    tmp.mkdir()
    env = {
        **os.environ,
        "BCH_RATE_LIMIT": "off",
        "BCH_SHUTDOWN_GRACE": "1",
        "TMPDIR": str(tmp),
    }

    def start() -> tuple[subprocess.Popen, psutil.Process, int]:
        port = _free_port()
        cmd = [BCH, "serve", "--workers", "2", "--empty", "--port", str(port)]
        cmd += ["--database", f"sqlite:///{path}"]
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        procs.append(proc)
        server = psutil.Process(proc.pid)
        until(
            lambda: len(worker_processes(server)) == 2 and _listening(port),
            "bch serve --workers 2 serving",
            alive=lambda: proc.poll() is None,
        )
        workers.extend(w.pid for w in worker_processes(server))
        return proc, server, port

    procs: list[subprocess.Popen] = []
    workers: list[int] = []
    try:
        proc, server, port = start()
        killed = _metrics_dirs(tmp)
        assert len(killed) == 1, killed
        orphans = [w.pid for w in worker_processes(server)]
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
        until(lambda: all(_gone(pid) for pid in orphans), "the orphaned workers ending")
        until(lambda: not _listening(port), "the port free again")
        assert _metrics_dirs(tmp) == killed  # the killed supervisor could not remove it

        # the next server removes it at its start, and its own at its end
        proc, _, _ = start()
        mine = _metrics_dirs(tmp)
        assert len(mine) == 1 and not mine & killed, (mine, killed)
        proc.terminate()
        assert proc.wait(timeout=120) == 0
        assert _metrics_dirs(tmp) == set()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        for pid in workers:  # a failed test leaves no worker running
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
