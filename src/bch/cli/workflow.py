"""`bch workflow tick`: the daily run of the publishing workflow's deadlines."""

from __future__ import annotations

import typer

from bch.cli.common import DatabaseOpt, console, services

app = typer.Typer(help="Publishing workflow", no_args_is_help=True)


@app.command("tick")
def workflow_tick(database: DatabaseOpt = None):
    """Send due reminder mails and expire overdue requests (run it daily)."""
    with services(database) as svc:
        report = svc.workflow.tick()
        console.print(f"reminders sent: {report.reminders}; requests expired: {report.expired}")
