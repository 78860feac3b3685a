"""Where the crash tests kill (issue 15 item 6): at an observed phase of the victim's work (it
holds the database's write transaction, it printed that it serves, a client got an answer) plus a
seeded amount of the victim's CPU time, read from /proc/PID/stat - never a random wall-clock
sleep, which on a loaded machine lands anywhere (most often in Python's start-up) and needs many
rounds to cover the same ground.

The kill itself stops the victim first (SIGSTOP), looks at what it holds at that instant (inside
a write transaction or not: the test then knows which outcome the database must show), and only
then sends SIGKILL to its whole process group (`bch serve --workers N` included). Every round
prints its seed: CRASH_SEED=<seed> CRASH_ROUNDS=1 replays that round's kill point."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.waiting import until

TICK = os.sysconf("SC_CLK_TCK")
# SQLite's WAL write lock: byte 120 of the -shm file (sqlite3.c, WALINDEX_LOCK_OFFSET)
WAL_WRITE_LOCK = 120


def rounds(test: str, default: int) -> Iterator[random.Random]:
    """CRASH_ROUNDS rounds (`default` in `make test-slow`), each with its seed printed (seen with -s
    and in a failure's captured output): CRASH_SEED + the round's number."""
    n = int(os.environ.get("CRASH_ROUNDS", str(default)))
    base = int(os.environ.get("CRASH_SEED", "15"))
    for i in range(n):
        seed = base + i
        print(f"{test}: round {i + 1}/{n}, seed {seed} (CRASH_SEED={seed} CRASH_ROUNDS=1 replays)")
        yield random.Random(f"{test}:{seed}")


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # the fields after the command's name


def _tree(pid: int) -> list[int]:
    """A process and its descendants (those its main thread started: uvicorn's workers)."""
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        try:
            with open(f"/proc/{one}/task/{one}/children") as f:
                todo.extend(int(child) for child in f.read().split())
        except OSError:
            continue  # ended meanwhile
    return found


def _group(pgid: int) -> list[int]:
    """The processes of a process group (the victim and the workers it started)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(int(entry))[2]) == pgid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
    return found


@dataclass
class Kill:
    """How a round ended: `exited` is the victim's exit code if it finished before the kill;
    `inside` what the probe saw with the victim stopped, an instant before SIGKILL."""

    exited: int | None = None
    cpu: float = 0.0
    inside: bool = False
    between: bool = False  # killed where kill_at's `between` saw a write half committed


class Victim:
    """A command in a process group of its own; its output lines are kept (`lines`)."""

    def __init__(self, args: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.last: tuple[float, float] | None = None  # (when, CPU seconds) its CPU last grew
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.decode(errors="replace"))

    def __enter__(self) -> Victim:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.alive():  # a failed wait or assertion leaves no process behind
            self.kill()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def printed(self, marker: str) -> bool:
        return any(marker in line for line in self.lines)

    def cpu(self) -> float:
        """CPU seconds (user + system, all threads) of the victim's processes so far."""
        total = 0
        for pid in _tree(self.proc.pid) if self.alive() else []:
            try:
                fields = _stat(pid)
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
        return total / TICK

    def wait(self, timeout: float = 600) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=30)
        return code

    def stop(self) -> bool:
        """SIGSTOP the group; False if the victim had ended (then it is reaped)."""
        try:
            os.killpg(self.proc.pid, signal.SIGSTOP)
        except ProcessLookupError:
            self.wait()
            return False
        if self.proc.poll() is not None:  # ended before the stop: what is left of its group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.wait()
            return False
        return True

    def resume(self) -> None:
        os.killpg(self.proc.pid, signal.SIGCONT)

    def kill(self, inside: Callable[[], bool] | None = None, *, tries: int = 1) -> Kill:
        """SIGSTOP the group, ask `inside` what it holds, SIGKILL the group; wait until none of
        its processes is left (a worker must not write after the test looked). With `tries`
        > 1, a victim stopped outside what `inside` looks for runs on until it is inside,
        up to `tries` stops (then it is killed where it is)."""
        for attempt in range(tries):
            if inside is not None and attempt:
                until(lambda: inside() or not self.alive(), "inside", interval=0.002)
            if not self.stop():
                return Kill(exited=self.proc.returncode)
            seen = bool(inside and inside())
            if seen or attempt == tries - 1:
                break
            self.resume()
        used = self.cpu()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.wait()
        until(lambda: not _group(self.proc.pid), "the killed process group gone")
        return Kill(cpu=used, inside=seen)


def kill_at(
    victim: Victim,
    phase: Callable[[], object],
    what: str,
    cpu: float,
    inside: Callable[[], bool] | None = None,
    *,
    tries: int = 1,
    between: Callable[[], bool] | None = None,
) -> Kill:
    """Kill `victim` once `phase()` is true and it has then used `cpu` more seconds of CPU, or
    gone idle before (or let it end if it finishes first: Kill.exited); `inside` and `tries`:
    see Victim.kill. `between`: a state that must never be seen from outside (a write half
    committed), looked for at every look of both waits: seen, and still seen with the victim
    stopped, the victim is killed right there (Kill.between), before its phase."""
    caught: list[Kill] = []

    def seen() -> bool:
        if between is None or not between():
            return False
        if not victim.stop():
            return False  # it ended: the waits see it
        if between():
            caught.append(Kill(cpu=victim.cpu(), between=True))
            os.killpg(victim.proc.pid, signal.SIGKILL)
            victim.wait()
            until(lambda: not _group(victim.proc.pid), "the killed process group gone")
            return True
        victim.resume()
        return False

    until(lambda: seen() or phase() or not victim.alive(), what, interval=0.005)
    if caught:
        return caught[0]
    if not victim.alive():
        return Kill(exited=victim.wait())
    victim.last = None
    target = victim.cpu() + cpu
    until(
        lambda: seen() or _spent(victim, target),
        f"{what}, then {cpu:.2f} s of its CPU",
        interval=0.005,
    )
    if caught:
        return caught[0]
    return victim.kill(inside, tries=tries)


def _spent(victim: Victim, target: float, idle: float = 1.0) -> bool:
    """Has the victim used CPU up to `target`, ended, or gone idle (no CPU used in `idle`
    seconds: a server waiting for requests never reaches a target beyond its work)?"""
    if not victim.alive():
        return True
    now, used = time.monotonic(), victim.cpu()
    if used >= target:
        return True
    if victim.last is None or used > victim.last[1]:
        victim.last = (now, used)
    return now - victim.last[0] > idle


@contextlib.contextmanager
def writing(url: str) -> Iterator[Callable[[], bool]]:
    """A probe: does some other process hold the database's write transaction now? Seen from
    outside, without taking a lock the victim could wait for: on SQLite the WAL write lock in
    /proc/locks, on PostgreSQL a backend of the database with a transaction id."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        shm = Path(f"{parsed.database}-shm")

        def sqlite_writer() -> bool:
            try:
                inode = str(shm.stat().st_ino)
            except FileNotFoundError:
                return False
            with open("/proc/locks") as f:
                for line in f:
                    fields = line.split()
                    if "->" in fields or len(fields) < 8:
                        continue  # a waiter, not a holder
                    if (
                        fields[3] == "WRITE"
                        and fields[5].rsplit(":", 1)[-1] == inode
                        and int(fields[6]) <= WAL_WRITE_LOCK <= int(fields[7])
                    ):
                        return True
            return False

        yield sqlite_writer
        return
    engine = create_engine(url, poolclass=NullPool)
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
    )
    try:
        with engine.connect() as conn:  # one connection, closed before the database is dropped

            def postgres_writer() -> bool:
                found = bool(conn.execute(query).scalar())
                conn.rollback()  # a fresh snapshot of pg_stat_activity on the next look
                return found

            yield postgres_writer
    finally:
        engine.dispose()
