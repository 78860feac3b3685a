"""`bch node init|sync|status|submit|conflicts|resolve`: run this installation as a national
node of a central clearing-house (issue 12, docs/NODES.md)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bch.cli.common import DatabaseOpt, console, errors, services

app = typer.Typer(help="National node: mirror a central clearing-house", no_args_is_help=True)

ListOpt = list[str] | None


def _split(values: ListOpt) -> list[str]:
    return [v for value in values or [] for v in value.split(",") if v.strip()]


@app.command("init")
def node_init(
    central: Annotated[str, typer.Option("--central", help="The central's address")],
    country: Annotated[str, typer.Option("--country", help="This node's country (ISO 3166)")],
    token: Annotated[
        str | None, typer.Option("--token", help="API token of this country's account there")
    ] = None,
    schemas: Annotated[
        ListOpt, typer.Option("--schemas", help="Record types to mirror (default: all)")
    ] = None,
    countries: Annotated[
        ListOpt,
        typer.Option("--countries", help="National records of these countries (default: all)"),
    ] = None,
    database: DatabaseOpt = None,
):
    """Make this database a node of CENTRAL (run `bch node sync` or `bch serve` next)."""
    with services(database) as svc:
        state = svc.node.configure(
            central, country, token=token, schemas=_split(schemas), countries=_split(countries)
        )
    console.print(f"Node of {state.central_url} for {state.country}", highlight=False)
    console.print(f"  schemas: {', '.join(state.schemas) or 'all'}", highlight=False)
    console.print(
        f"  national records of: {', '.join(state.countries) or 'every country'}",
        highlight=False,
    )
    console.print(f"  publishing token: {'set' if state.token else 'none (read only)'}")
    console.print("Next: `bch node sync --once`, or `bch serve` (syncs in the background).")


@app.command("sync")
def node_sync(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit")] = False,
    database: DatabaseOpt = None,
):
    """Pull from the central (bootstrap, then the change feed) and push national records."""
    from bch.services.node_central import CentralError

    with services(database) as svc:
        if not once:
            console.print(f"Syncing with {svc.node.status().get('central')} (Ctrl-C stops)")
            stop = threading.Event()
            try:
                svc.node.run(stop)
            except KeyboardInterrupt:
                stop.set()
            return
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("syncing", total=None)

            def shown(what: str, n: int) -> None:
                label = f"change feed at {n}" if what == "changes" else f"{what}: {n} records"
                if what == "history":
                    label = f"older revisions: {n} copied"
                if what == "tables download":
                    label = f"table snapshot: {n / 1e6:.0f} MB downloaded"
                progress.update(task, description=label)

            try:
                # no server of this database runs meanwhile: a table snapshot may become it
                report = svc.node.sync_once(on_progress=shown, sole=True)
            except CentralError as exc:
                errors.print(f"error: {exc}", markup=False, highlight=False)
                raise typer.Exit(1) from None
    for schema, n in sorted(report.bootstrapped.items()):
        console.print(f"  bootstrap {schema}: {n} records", highlight=False)
    console.print(
        f"  feed: {report.applied} applied, {report.skipped} unchanged or not mirrored; "
        f"cursor {report.cursor}",
        highlight=False,
    )
    console.print(f"  pushed: {report.pushed}, conflicts: {report.conflicts}", highlight=False)


@app.command("status")
def node_status(
    as_json: Annotated[bool, typer.Option("--json", help="As JSON")] = False,
    database: DatabaseOpt = None,
):
    """Lag (sequence numbers and seconds), last success, pending pushes and errors."""
    with services(database) as svc:
        status = svc.node.status()
    if as_json:
        print(json.dumps(status, indent=2))
        return
    if not status["node"]:
        console.print("Not a node (run `bch node init --central URL --country CC`).")
        raise typer.Exit(1)
    lines = [
        ("central", status["central"]),
        ("country", status["country"]),
        ("phase", status["phase"]),
        ("bootstrap", status["bootstrapMode"] or "-"),
        ("derived rows", status["derivedFrom"] or "-"),
        ("records", status["records"]),
        ("history", status["historyText"]),
        ("cursor", f"{status['cursor']} of {status['centralSequence']}"),
        ("lag", f"{status['lagSequence']} changes, {status['lagSeconds']} s"),
        ("last success", status["lastSuccessAt"] or "never"),
        ("pending pushes", status["pendingPushes"]),
        ("conflicts", status["conflicts"]),
        ("last error", f"{status['lastError']} ({status['lastErrorAt']})"
         if status["lastError"] else "none"),
    ]  # fmt: skip
    for name, value in lines:
        console.print(f"{name:>15}: {value}", highlight=False)


@app.command("submit")
def node_submit(
    file: Annotated[Path, typer.Argument(help="A record document (JSON)")],
    author: Annotated[str, typer.Option("--author", help="Who wrote it")] = "cli",
    database: DatabaseOpt = None,
):
    """Queue a national record for the central (sent by the next sync)."""
    document = orjson.loads(file.read_bytes())
    with services(database) as svc:
        item = svc.node.submit(document, author=author)
    console.print(f"queued {item.identifier} (outbox {item.id}, key {item.key})", highlight=False)


@app.command("conflicts")
def node_conflicts(database: DatabaseOpt = None):
    """Records changed on the central while this node edited them."""
    with services(database) as svc:
        for item in svc.node.outbox(("conflict",)):
            info = svc.node.conflict(item.id)
            console.print(
                f"{item.id}: {item.identifier} (base {info['baseRevision']}, central "
                f"{info['theirsRevision']}): {', '.join(info['fields']) or 'no field differs'}",
                highlight=False,
            )


@app.command("resolve")
def node_resolve(
    item_id: Annotated[int, typer.Argument(help="The outbox entry (see `bch node conflicts`)")],
    choice: Annotated[str, typer.Argument(help="theirs, mine or merge")],
    mine: Annotated[
        ListOpt, typer.Option("--mine", help="with merge: fields whose value is mine")
    ] = None,
    database: DatabaseOpt = None,
):
    """Resolve a conflict: keep theirs, send mine, or merge (fields not named keep theirs)."""
    picks = {k: "mine" for k in _split(mine)}
    with services(database) as svc:
        outcome = svc.node.resolve(item_id, choice, picks)
    console.print(f"{item_id}: {outcome}")
