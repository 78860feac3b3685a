"""The change sequence is 1..N without gaps or repeats, in commit order, on both backends: a
write that fails or is killed after it took a number leaves no hole (a PostgreSQL SEQUENCE
would have used the number up)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bch.services.errors import ValidationFailed
from bch.storage.tables import changes, documents
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def _pythonpath() -> list[str]:
    return [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]


class Refused(Exception):
    pass


def _refuse(*_args) -> None:
    raise Refused


def _sequence(svc) -> list[int]:
    with svc.store.reading() as conn:
        return list(conn.execute(select(changes.c.seq).order_by(changes.c.seq)).scalars())


def test_failed_writes_take_no_sequence_number(services):
    doc = factories.organism("Zea mays")
    ident = doc["header"]["identifier"]
    services.records.publish(doc, by="test")
    doc["commonNames"] = {"en": "maize"}
    with pytest.raises(Refused), services.uow():  # fails after the revision and its change entry
        services.records.publish(doc, by="test")  # joins the unit of work
        _refuse()
    # two new records written, then the third is invalid: the whole batch is rolled back
    batch = [factories.organism("Glycine max"), factories.organism("Oryza sativa"), {}]
    with pytest.raises(ValidationFailed):
        services.records.publish_many(batch, by="test")
    services.records.publish(doc, by="test")
    with pytest.raises(Refused), services.uow():
        services.records.delete(ident, reason="duplicate", by="test")
        _refuse()
    services.records.delete(ident, reason="duplicate", by="test")
    feed = services.changes.page().items
    assert [(i["seq"], i["action"], i["revision"]) for i in feed] == [
        (1, "publish", 1),
        (2, "publish", 2),
        (3, "delete", 2),
    ]
    assert services.changes.last_sequence() == 3


@pytest.mark.slow
def test_writer_killed_mid_transaction_leaves_no_gap(services):
    """kill -9 a writer process while its transaction holds change entries, three times; then
    the sequence is still 1..N and the next write takes N+1."""
    url = services.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*_pythonpath(), str(ROOT)])}
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.storage.crash_writer", url],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        seen: list[str] = []
        while seen[-2:] != ["committed", "writing"]:  # one batch in, the next one half-way
            line = proc.stdout.readline().strip()
            assert line, f"the writer stopped: {proc.stderr.read()}"
            seen.append(line)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    services.records.publish(factories.organism("Oryza sativa"), by="test")
    seqs = _sequence(services)
    assert seqs == list(range(1, len(seqs) + 1))
    # three killed writers committed at least a batch of 6 each; the last publish is the end
    assert len(seqs) >= 3 * 6 + 1
    with services.store.reading() as conn:
        assert conn.execute(select(func.count()).select_from(documents)).scalar_one() == len(seqs)
