"""A new SQLite node's snapshot adoption and `bch serve` never overlap (issue 12): the adoption
renames the downloaded snapshot over the node's database file, so a server opening the file in
that instant would keep the old, unlinked file and serve an orphan (bch.storage.database_lock).
Real processes: a `bch node sync --once` held inside its adoption, a `bch serve` started
meanwhile; and a `bch serve` running when `bch node sync --once` bootstraps (the in-place copy)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.faults.kill_points import Victim
from tests.nodes.test_node_sync import _seed, central  # noqa: F401
from tests.nodes.test_node_tables import sqlite_node  # noqa: F401
from tests.waiting import until, until_serving

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BCH = str(Path(sys.executable).with_name("bch"))

# `bch node sync --once`, held inside the adoption's transaction (the node's tables copied into
# the snapshot, the file not renamed yet) until the file named by argv[2] exists
HELD = """
import sys, time
from pathlib import Path
from bch.services.container import Services
from bch.storage import table_bootstrap

svc = Services.open(sys.argv[1], upgrade=False)
go = Path(sys.argv[2])
adopt = table_bootstrap.adopt_snapshot

def held(conn, finish):
    print("ADOPTING", flush=True)
    while not go.exists():
        time.sleep(0.02)
    finish(conn)

table_bootstrap.adopt_snapshot = lambda node, snap, finish: adopt(
    node, snap, lambda conn: held(conn, finish)
)
svc.node.sync_once(sole=True)
print(svc.node.status()["bootstrapMode"], flush=True)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str, tmp_path: Path) -> Victim:
    port = _free_port()
    env = {
        **os.environ,
        "BCH_RATE_LIMIT": "off",
        "BCH_NODE_SYNC": "off",  # the test's own `bch node sync --once` bootstraps the node
        "BCH_SEARCH_INDEX_DIR": str(tmp_path / "index"),
    }
    cmd = [BCH, "serve", "--port", str(port), "--database", url, "--empty"]
    return Victim(cmd, cwd=ROOT, env=env)


def _opened(pid: int, path: Path) -> list[str]:
    """The files of the database `path` the process has open, as /proc shows them (an unlinked
    one ends in ' (deleted)')."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)) and not target.startswith(f"{path}.lock"):
            found.append(target)
    return found


def _records(base: str) -> int:
    answer = httpx.get(f"{base}/api/v1/records", params={"total": "true", "limit": 1}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["total"]


def test_a_server_started_during_the_adoption_waits_and_serves_the_new_file(
    sqlite_node,  # noqa: F811
    central,  # noqa: F811
    tmp_path,
):
    _seed(central.svc, 6)
    node, url = sqlite_node
    node.node.configure(central.url, "CA", token=central.token)
    node.db.dispose()  # the adopting process has the database alone
    path = Path(url.removeprefix("sqlite:///"))
    go = tmp_path / "go"
    env = {**os.environ, "BCH_RATE_LIMIT": "off"}
    with Victim([sys.executable, "-c", HELD, url, str(go)], cwd=ROOT, env=env) as adopting:
        until(lambda: adopting.printed("ADOPTING"), "the adoption", alive=adopting.alive)
        with _serve(url, tmp_path) as server:
            pid = server.proc.pid
            # the server either waits for the lock (it says so) or opens the file at once
            until(
                lambda: server.printed("Waiting:") or _opened(pid, path),
                "the server waiting or opening the database",
                alive=server.alive,
            )
            early = _opened(pid, path)
            go.touch()
            assert adopting.wait(timeout=300) == 0, "".join(adopting.lines)
            assert adopting.lines[-1].strip().endswith(", the downloaded file became the database)")
            base = _base(server)
            until_serving(base, server.proc)
            assert _records(base) == central.svc.records.health()["records"] == 8
            opened = _opened(pid, path)
            assert opened and not [f for f in opened if f.endswith("(deleted)")], opened
        assert not early  # it had not opened the file the adoption replaced
        assert server.printed("`bch node sync --once` is making the downloaded"), server.lines


def _base(server: Victim) -> str:
    return f"http://127.0.0.1:{server.proc.args[server.proc.args.index('--port') + 1]}"


def test_a_node_bootstrapped_while_its_server_runs_is_copied_into_the_open_file(
    sqlite_node,  # noqa: F811
    central,  # noqa: F811
    tmp_path,
):
    """The server holds the database's lock: `bch node sync --once` copies the snapshot into the
    file the server has open (no rename), and the server serves the records at once."""
    _seed(central.svc, 6)
    node, url = sqlite_node
    node.node.configure(central.url, "CA", token=central.token)
    node.db.dispose()
    path = Path(url.removeprefix("sqlite:///"))
    with _serve(url, tmp_path) as server:
        base = _base(server)
        until_serving(base, server.proc)
        assert _records(base) == 0
        done = subprocess.run(
            [BCH, "node", "sync", "--once", "--database", url],
            cwd=ROOT,
            env={**os.environ, "BCH_RATE_LIMIT": "off"},
            capture_output=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
        mode = node.node.status()["bootstrapMode"]
        assert mode.endswith(", copied into the open database)"), mode
        assert _records(base) == central.svc.records.health()["records"] == 8
        opened = _opened(server.proc.pid, path)
        assert opened and not [f for f in opened if f.endswith("(deleted)")], opened
