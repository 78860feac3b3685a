"""The sender killed mid-batch (SIGKILL) and started again: every change is delivered exactly
once per subscriber, counted at a real SMTP server (aiosmtpd on loopback) from the mails'
X-BCH-Alert keys (subscription:change). The worker is a real `bch alerts run` process, killed
while the SMTP server, having taken a seeded one of its mails (CRASH_SEED), holds its answer:
mid-batch whatever the machine's load, with no mail slowed down to make room for the kill."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.accounts.helpers import Mailbox, _free_port
from tests.alerts.helpers import publish
from tests.waiting import until

ROOT = Path(__file__).resolve().parents[2]
CHANGES = 30
READERS = ("one@example.org", "two@example.org")


class HoldingMailbox(Mailbox):
    """Takes the `hold_at`-th mail, then holds its answer (the sender waits for the reply to
    its end of data) until `release` is set: the kill falls there, in the middle of the batch,
    at the moment a sender that recorded the mail as sent only after the reply would send it
    again."""

    def __init__(self, port: int, hold_at: int) -> None:
        super().__init__(port=port)
        self.hold_at = hold_at
        self.held = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold_at and not self.release.is_set():
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return answer


def _worker(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "BCH_DATABASE_URL": url,
        "BCH_SMTP_HOST": "127.0.0.1",
        "BCH_SMTP_PORT": str(port),
        "BCH_ALERT_CLAIM_SECONDS": "3",
        "BCH_ALERTS_INTERVAL": "0.2",
        "BCH_SEARCH_INDEX": "off",
    }
    cmd = [str(Path(sys.executable).parent / "bch"), "alerts", "run"]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


@pytest.mark.slow
def test_killed_sender_delivers_every_change_exactly_once(services):
    seed = int(os.environ.get("CRASH_SEED", "15"))
    expected = CHANGES * len(READERS)
    hold_at = random.Random(seed).randint(2, expected - 2)
    print(f"seed {seed}: killed while the mail {hold_at} of {expected} is answered")
    box = HoldingMailbox(_free_port(), hold_at)
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    url = services.engine.url.render_as_string(hide_password=False)
    subs = []
    for address in READERS:
        sub = services.alerts.subscribe({"email": address, "filters": {"country": "CA"}})
        subs.append(services.alerts.confirm(sub.token))
    for _ in range(CHANGES):
        publish(services, "CA")
    publish(services, "KE")  # matches nobody
    first = _worker(url, box.port)
    try:
        until(box.held.is_set, "the mail to hold", alive=lambda: first.poll() is None)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
        box.release.set()
        killed_at = len(box.messages)
        assert killed_at < expected, "the kill came after the batch: nothing was tested"
        second = _worker(url, box.port)
        try:
            # every outbox row sent (the mails' count is checked below: waiting for it would
            # hang on the one mail a kill may cut, see there)
            until(
                lambda: services.alerts.status() == {"sent": expected},
                "every alert after the restart",
                alive=lambda: second.poll() is None,
            )
            until(lambda: len(box.messages) >= expected - 1, "the mails at the server")
            services.alerts.run_once()  # and a third sender finds nothing left to send
        finally:
            second.send_signal(signal.SIGTERM)
            _out, err = second.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
        controller.stop()
    keys = Counter(m["X-BCH-Alert"] for m in box.messages)
    # never twice; and every change delivered, but for at most the one mail whose end of data
    # the kill cut after its row was marked sent (at most once: SMTP has no exactly-once; a
    # sender marks the row sent before the final ".", so a kill there loses that one mail
    # instead of doubling it)
    assert set(keys.values()) == {1}
    assert expected - 1 <= len(box.messages) <= expected, (killed_at, err.decode()[-2000:])
    per_reader = Counter(m["X-Envelope-To"] for m in box.messages)
    assert sum(abs(per_reader[a] - CHANGES) for a in READERS) == expected - len(box.messages)
    assert services.alerts.status() == {"sent": expected}
