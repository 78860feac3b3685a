"""`bch serve` sends alerts itself: a real server process with an SMTP host (the suite's real
SMTP server) mails the confirmation link, the link opens with a plain GET, and a record
published afterwards (by another process on the same database) reaches the subscriber once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from bch.services.container import Services
from tests.accounts.helpers import Mailbox, _free_port
from tests.alerts.helpers import publish
from tests.waiting import until_serving


@pytest.fixture
def mailbox():
    """A real SMTP server on loopback, for a server process (no services fixture: one run)."""
    box = Mailbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.mark.slow
def test_bch_serve_runs_the_alerts_worker(tmp_path, mailbox: Mailbox):
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'served.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BCH_")}
    env.update(
        BCH_SMTP_HOST="127.0.0.1",
        BCH_SMTP_PORT=str(mailbox.port),
        BCH_ALERTS_INTERVAL="0.3",
        BCH_WARM="off",  # as every server of the suite (tests/conftest.py)
    )
    bch = Path(sys.executable).with_name("bch")
    # one worker process: the alerts worker is the serving process's either way (with several,
    # the supervisor's), and each worker would build its indexes and caches for nothing
    proc = subprocess.Popen(
        [str(bch), "serve", "--port", str(port), "--empty", "--database", url, "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    writer = Services.open(url)
    try:
        until_serving(base, proc)
        answer = httpx.post(
            f"{base}/api/v1/subscriptions",
            json={"email": "served@example.org", "filters": {"country": "CA"}},
        )
        assert answer.status_code == 202, answer.text
        body = Mailbox.body(mailbox.wait_for("served@example.org")[0])
        link = re.search(rf"{re.escape(base)}/en/alerts/confirm\?token=\S+", body)
        assert link, body
        assert httpx.get(link.group(0)).status_code == 200  # the page with the button
        token = link.group(0).split("token=", 1)[1]
        confirmed = httpx.post(f"{base}/en/alerts/confirm", data={"token": token})
        assert confirmed.status_code == 200, confirmed.text
        uid = publish(writer, "CA")
        publish(writer, "KE")
        mails = mailbox.wait_for("served@example.org", 2)
        assert uid in Mailbox.body(mails[1])
        assert mails[1]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    finally:
        writer.close()
        proc.terminate()
        proc.wait(timeout=30)
    assert len(mailbox.to("served@example.org")) == 2
