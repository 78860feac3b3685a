"""Without an SMTP host, mails are written to the log (README): a real `bch serve` process,
started as an operator would, writes the sign-up mail with its confirmation link to its
standard error, and the link opens the confirmation page."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.waiting import until, until_serving

PASSWORD = "Correct-horse-42!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bch_serve_without_smtp_writes_mails_to_its_log(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BCH_SMTP", "BCH_PUBLIC"))}
    bch = Path(sys.executable).with_name("bch")
    proc = subprocess.Popen(
        [str(bch), "serve", "--port", str(port), "--empty"]
        + ["--database", f"sqlite:///{tmp_path / 'bch.db'}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        until_serving(base, proc)
        r = httpx.post(
            f"{base}/fr/sign-up",
            data={"email": "amina@example.org", "password": PASSWORD, "password2": PASSWORD},
        )
        assert r.status_code == 202, r.text

        def link() -> str | None:
            found = re.search(rf"{re.escape(base)}/fr/confirm\?token=(\S+)", "".join(lines))
            return found.group(0) if found else None

        until(lambda: link() is not None, "the mail in the log", alive=lambda: proc.poll() is None)
        log = "".join(lines)
        assert "bch.mail" in log and "amina@example.org" in log
        assert "confirm your e-mail address" in log
        page = httpx.get(link())
        assert page.status_code == 200 and "<html" in page.text  # a page, not JSON
        assert "amina@example.org" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
