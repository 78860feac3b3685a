"""The `bch` command line (`bch.cli:app`): one module per command group, registered here.

A new command group is a Typer app in its own module (`bch/cli/<group>.py`, or a feature's
module elsewhere) added below with one `app.add_typer(...)` line. What the groups share (the
console, `--database`, the settings read at start, the services opener) is bch.cli.common."""

from __future__ import annotations

import typer

from bch.cli import (
    alerts,
    customs,
    data,
    db,
    node,
    ops,
    participation,
    register,
    resolve,
    server,
    sources,
    uid,
    users,
    workflow,
)

app = typer.Typer(help="Biosafety Clearing-House", no_args_is_help=True, add_completion=False)
app.registered_commands += server.app.registered_commands  # bch serve, bch import
app.command("resolve")(resolve.resolve_command)
app.add_typer(uid.app, name="uid")
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="user")
app.add_typer(workflow.app, name="workflow")
app.add_typer(sources.app, name="sources")
app.add_typer(data.app, name="data")
app.add_typer(customs.app, name="customs")
app.add_typer(register.app, name="register")
app.add_typer(alerts.app, name="alerts")
app.add_typer(participation.consultations, name="consultations")
app.add_typer(participation.forums, name="forums")
app.add_typer(node.app, name="node")
app.registered_commands += ops.app.registered_commands  # bch backup, bch restore
