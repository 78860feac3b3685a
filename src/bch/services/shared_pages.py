"""Rendered pages shared by the worker processes of one `bch serve --workers N` (issue 15 item 2):
each worker's page cache (services/read_cache.py) is its own, so without this every worker
rendered every LMO page itself (N first renders of each page instead of one).

A directory made by `bch serve` for this run only (BCH_SHARED_PAGES_DIR, removed when it ends,
mode 0700): pages rendered by the same code with the same settings, never by another run, another
version or another deployment. One file per kept answer (its key's hash), written whole and
renamed into place, holding the answer, what it was made of (read_deps tags) and the database
state it was rendered at: the latest change's row (sequence number, document, revision, time and
the data marks' sum) and the anonymous read scope. A worker takes a file only when its own look
at the change sequence shows exactly that state, so a page is never taken after a change made
through any process (or a restore); a file whose state has passed is simply not taken (and is
overwritten by the next render of its key). A page is written only when the state after its
render is still the one it started from (no change committed meanwhile).

Render once: the worker that misses takes a lock on the key (flock, released by the kernel
if its process dies; waited for at most LOCK_WAIT seconds), renders and writes, while another
worker asking for the same page waits for the lock and then reads the file.

Only the page cache of anonymous pages uses it (web/lmo_page.py): what a signed-in reader sees
never reaches it. Without BCH_SHARED_PAGES_DIR (one process, tests) nothing changes."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import threading
import time
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Any

from bch.storage.read_deps import Tag

LOCK_WAIT = 30.0  # seconds a worker waits for another's render of the same page at most
SUFFIX = ".page"


class SharedPages:
    def __init__(self, directory: Path | str, *, size: int = 4096):
        self.dir = str(directory)  # paths joined as strings: pathlib costs ~0.2 ms a render
        # pages kept at most (every LMO of the shipped data in six languages: 4,044, ~430 MB
        # on disk); keys with query strings are many: beyond it the directory is emptied
        self.size = size
        self._saves = 0  # every 64th save looks at the directory's size

    def _path(self, key: Hashable, suffix: str) -> str:
        name = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
        return os.path.join(self.dir, name + suffix)

    def load(self, key: Hashable, stamp: Hashable) -> tuple[Any, frozenset[Tag]] | None:
        """The answer of `key` and its tags, if kept for exactly the database state `stamp`."""
        try:
            fd = os.open(self._path(key, SUFFIX), os.O_RDONLY)
        except OSError:
            return None
        try:
            with open(fd, "rb", closefd=True) as f:
                kept_key, kept_stamp, value, deps = pickle.loads(f.read())
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
            return None
        if kept_key != key or kept_stamp != stamp:
            return None
        return value, deps

    def save(self, key: Hashable, stamp: Hashable, value: Any, deps: frozenset[Tag]) -> None:
        """Keep `value` (made of `deps`) as the answer of `key` at the database state `stamp`."""
        path = self._path(key, SUFFIX)
        self._saves += 1
        try:
            if self._saves % 64 == 0 and len(os.listdir(self.dir)) > 2 * self.size:
                self.clear()  # files and their locks; many keys (query strings): start again
            data = pickle.dumps((key, stamp, value, deps), protocol=pickle.HIGHEST_PROTOCOL)
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError:
            pass  # a full disk or a removed directory: the page is only not shared

    def clear(self) -> None:
        for entry in os.listdir(self.dir):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.dir, entry))

    @contextlib.contextmanager
    def rendering(self, key: Hashable) -> Iterator[bool]:
        """Held while this process renders `key`: another process asking for it waits (up to
        LOCK_WAIT seconds), then finds the page written. Yields whether it waited."""
        try:
            fd = os.open(self._path(key, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield False
            return
        try:
            deadline, pause, waited = time.monotonic() + LOCK_WAIT, 0.001, False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break  # its render takes too long: render here too
                    waited = True
                    time.sleep(pause)
                    pause = min(pause * 2, 0.02)
            yield waited
        finally:
            os.close(fd)  # releases the lock
