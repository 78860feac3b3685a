"""The lock file beside a SQLite database (`<database>.lock`) that keeps a server and a new
node's snapshot adoption apart (issue 12): `bch node sync --once` may make the downloaded
snapshot the node's database by renaming it over the node's file (bch.storage.table_bootstrap);
a `bch serve` that opened the file in that instant would keep the old, unlinked file and serve
(and write) an orphan.

* `bch serve` (its supervising process and each worker) holds a SHARED lock for its whole life,
  taken before it opens the database; it waits while an adoption holds the lock.
* The adoption takes the EXCLUSIVE lock without waiting, before it looks whether it has the
  database alone, and keeps it until the new file has the database's name; when a server holds
  the lock, the snapshot is copied into the open database instead (the in-place copy).

`flock(2)` locks end with the process that holds them (a killed process leaves none behind); the
lock file itself stays (removing it would let two processes lock two different files)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.engine import make_url


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()  # as the engine opens it (storage/engine.py)


def lock_file(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _open(database: Path) -> int:
    database.parent.mkdir(parents=True, exist_ok=True)  # a new database's folder, as the engine
    return os.open(lock_file(database), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)


def hold_shared(url: str, on_wait: Callable[[], None] | None = None) -> int | None:
    """Take the shared lock of the SQLite database of `url` (None: not SQLite) and return its
    descriptor, kept open as long as the caller serves the database (closing it ends the lock).
    Waits while an adoption holds the lock, after calling `on_wait` once."""
    database = sqlite_file(url)
    if database is None:
        return None
    fd = _open(database)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_SH)
    except BaseException:
        os.close(fd)
        raise
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)


@contextlib.contextmanager
def replacing(database: Path) -> Iterator[bool]:
    """The exclusive lock, taken without waiting: True while held (no server has the database),
    False when a server holds the shared lock (then nothing is held)."""
    fd = _open(database)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
