"""What a computation read, noted as it reads (issue 15: the read cache keeps an answer until a
change touches what it was made of, not until any change).

While `tracking()` is open in a thread (or task), the reads of this package note tags:

* ``("doc", identifier)``: a record was read (every DocumentRow built, storage/rows.py), or
  asked for by identifier and perhaps not found, or the records referencing it were listed;
* ``("lmo", key)``: the records, detection methods or reported approvals of an OECD UID key;
* ``ANY``: something a change of any record may alter (a list or a count over many records).

`change_tags` (storage/change_mark.py) gives the tags a change touches; an answer whose tags
meet none of them is still right after the change. Outside `tracking()`, noting costs one
context-variable look-up."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Tag = tuple[str, ...]
ANY: Tag = ("any",)

_reads: ContextVar[set[Tag] | None] = ContextVar("bch_read_deps", default=None)


def note(tag: Tag) -> None:
    """Note one tag in the open tracking, if any."""
    reads = _reads.get()
    if reads is not None:
        reads.add(tag)


def note_docs(identifiers: Iterable[str]) -> None:
    """Note records read or asked for by identifier."""
    reads = _reads.get()
    if reads is not None:
        reads.update(("doc", i) for i in identifiers)


def note_tags(tags: Iterable[Tag]) -> None:
    """Note tags noted before (what a kept answer was made of, when a computation takes it)."""
    reads = _reads.get()
    if reads is not None:
        reads.update(tags)


def note_lmo_keys(keys: Iterable[str]) -> None:
    reads = _reads.get()
    if reads is not None:
        reads.update(("lmo", k) for k in keys)


def tracking_now() -> bool:
    return _reads.get() is not None


@contextmanager
def tracking() -> Iterator[set[Tag]]:
    """The tags noted by what runs inside (nested trackings also note in the outer one)."""
    outer = _reads.get()
    reads: set[Tag] = set()
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)
        if outer is not None:
            outer.update(reads)


@contextmanager
def paused() -> Iterator[None]:
    """Reads inside note nothing (the caller notes what stands for them)."""
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)
