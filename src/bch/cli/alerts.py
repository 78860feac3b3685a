"""`bch alerts run [--once]` and `bch alerts status`: the alerts worker (issue 14) outside the
server, for deployments that run several servers with BCH_ALERTS_WORKER=0. `bch serve` runs the
same worker in a background thread (start_worker)."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from bch.cli.common import DatabaseOpt, console, services

app = typer.Typer(help="E-mail alerts: match changes, send the mails", no_args_is_help=True)


def _print(report) -> None:
    console.print(
        f"changes matched: {report.changes}; mails queued: {report.queued}; "
        f"sent: {report.sent}; to retry: {report.retried}; given up: {report.failed}"
    )


def start_worker(svc) -> tuple[threading.Thread, threading.Event]:
    """The alerts worker in a daemon thread of this process; set the event (then
    svc.alerts.wake()) to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=svc.alerts.run_forever, args=(stop,), name="bch-alerts", daemon=True
    )
    thread.start()
    return thread, stop


@app.command("run")
def run(
    database: DatabaseOpt = None,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit")] = False,
):
    """Match new changes against the confirmed subscriptions and send the due alert mails;
    without --once, keep doing so every BCH_ALERTS_INTERVAL seconds until stopped."""
    with services(database) as svc:
        if once:
            _print(svc.alerts.run_once())
            return
        stop = threading.Event()

        def ending(*_args) -> None:
            stop.set()
            svc.alerts.wake()

        signal.signal(signal.SIGTERM, ending)
        signal.signal(signal.SIGINT, ending)
        console.print(f"alerts worker: every {svc.settings.alerts_interval:g} s (Ctrl-C stops)")
        svc.alerts.run_forever(stop, on_report=_print)
        console.print("alerts worker stopped")


@app.command("status")
def status(database: DatabaseOpt = None):
    """Outbox rows per state (pending, sent, failed)."""
    with services(database) as svc:
        counts = svc.alerts.status()
        console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "empty outbox")
