"""A writer to be killed: `python -m tests.storage.crash_writer URL` publishes batches of records
for ever, one transaction each, printing `committed` after each commit and `writing` once a
batch has written its first change-sequence entry (the moment to kill it)."""

from __future__ import annotations

import sys

from bch.services.container import Services
from tests import factories


def main(url: str) -> None:
    svc = Services.open(url)
    while True:
        done: list[object] = []

        def each(result, done=done) -> None:
            done.append(result)
            if len(done) == 2:
                print("writing", flush=True)

        svc.records.publish_many([factories.organism() for _ in range(6)], by="t", on_each=each)
        print("committed", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
