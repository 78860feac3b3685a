"""A mixed workload for the concurrency tests: threads publishing records and new revisions,
deleting, making writes fail after they took a change number, and reading (records, lists,
search, the change feed, API token checks) through the services, all at once.

Run in this process (`run`) or in another one: `python -m tests.storage.workload URL [TOKEN]`
prints the outcome as JSON."""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict, dataclass, field

from bch.services.container import Services
from bch.services.search import SearchQuery
from tests import factories

NAMES = ["Zea mays", "Glycine max", "Brassica napus", "Solanum tuberosum", "Oryza sativa"]


class Rollback(Exception):
    """Raised inside a write transaction after the change was written: it must roll back."""


def _fail(*_args) -> None:
    raise Rollback


def _rolled_back(svc: Services, write, *args, **kwargs) -> None:
    """The write, in a unit of work that fails after it: nothing of it may remain."""
    try:
        with svc.uow():
            write(*args, **kwargs)
            _fail()
    except Rollback:
        return
    raise AssertionError("the write did not fail")


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)  # anything unexpected, as repr
    changes: int = 0  # committed publishes and deletions (change feed entries)
    reads: int = 0

    def merge(self, other: Outcome) -> None:
        self.failures += other.failures
        self.changes += other.changes
        self.reads += other.reads


def _writer(svc: Services, rounds: int, tag: str, out: Outcome, lock: threading.Lock) -> None:
    for i in range(rounds):
        try:
            doc = factories.organism(NAMES[i % len(NAMES)], identifier=factories.ident(tag))
            ident = doc["header"]["identifier"]
            svc.records.publish(doc, by="test")
            doc["commonNames"] = {"en": f"round {i}"}
            svc.records.publish(doc, by="test")  # revision 2
            assert not svc.records.publish(doc, by="test").changed  # identical: no change
            doc["commonNames"] = {"en": "never stored"}
            _rolled_back(svc, svc.records.publish, doc, by="test")
            written = 2
            if i % 3 == 0:
                _rolled_back(svc, svc.records.delete, ident, reason="gone", by="test")
                svc.records.delete(ident, reason="withdrawn", by="test")
                written += 1
            with lock:
                out.changes += written
        except Exception as exc:  # the test asserts there are none
            with lock:
                out.failures.append(f"write: {exc!r}")


def _reader(svc: Services, token: str | None, done: threading.Event, out, lock) -> None:
    n = 0
    while not done.is_set():
        try:
            page = svc.changes.page(limit=50)
            for item in page.items[-3:]:
                if item["action"] == "publish":
                    svc.records.versions(item["identifier"])
            svc.records.list(schema="organism", limit=20)
            svc.search.search(SearchQuery(q="mays", limit=5))
            if token:
                svc.accounts.principal_from_token(token)
            n += 1
        except Exception as exc:
            with lock:
                out.failures.append(f"read: {exc!r}")
    with lock:
        out.reads += n


def expected_changes(writers: int = 3, rounds: int = 8) -> int:
    """Committed changes of a run: two publishes a round, a deletion every third round."""
    return writers * (2 * rounds + (rounds + 2) // 3)


def run(
    svc: Services, *, writers: int = 3, readers: int = 2, rounds: int = 8, token: str | None = None
) -> Outcome:
    """All threads at once; returns when the writers are done."""
    out, lock, done = Outcome(), threading.Lock(), threading.Event()
    tag = factories.ident("w")
    write = [
        threading.Thread(target=_writer, args=(svc, rounds, f"{tag}-{i}", out, lock))
        for i in range(writers)
    ]
    read = [
        threading.Thread(target=_reader, args=(svc, token, done, out, lock)) for _ in range(readers)
    ]
    for t in (*write, *read):
        t.start()
    for t in write:
        t.join()
    done.set()
    for t in read:
        t.join()
    return out


def main(argv: list[str]) -> None:
    svc = Services.open(argv[0])
    try:
        out = run(svc, token=argv[1] if len(argv) > 1 else None)
    finally:
        svc.close()
    print(json.dumps(asdict(out)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
