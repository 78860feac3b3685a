"""``bch sources list|refresh``: the external LMO databases."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bch.cli.common import DatabaseOpt, console, open_services

app = typer.Typer(help="External LMO databases", no_args_is_help=True)


def _matches(database: str | None):
    svc, _url = open_services(database)
    return svc, svc.matches


@app.command("list")
def list_sources(database: DatabaseOpt = None):
    """The sources, their mode (offline/live), base URL and what they can answer."""
    svc, ms = _matches(database)
    table = Table()
    for col in ("name", "title", "enabled", "mode", "base URL", "answers"):
        table.add_column(col)
    for s in ms.registry.describe():
        snap, taken = ms.snapshot(s["name"])
        mode = s["mode"] + (f" (snapshot {taken})" if snap else " (no snapshot)")
        table.add_row(
            s["name"],
            s["title"],
            str(s["enabled"]),
            mode,
            s["baseUrl"],
            ", ".join(s["capabilities"]),
        )
    console.print(table)
    svc.close()


@app.command("refresh")
def refresh(
    source: Annotated[str | None, typer.Argument(help="One source (default: all)")] = None,
    live: Annotated[
        bool | None,
        typer.Option("--live/--offline", help="Read the live site (default: the source's mode)"),
    ] = None,
    database: DatabaseOpt = None,
):
    """Re-read a source, report added/changed/removed records; a failed or empty read keeps
    the previous data."""
    from bch.sources.refresh import refresh_source

    svc, ms = _matches(database)
    names = [source] if source else ms.registry.names()
    unknown = [n for n in names if n not in ms.registry.names()]
    if unknown:
        console.print(f"unknown source {unknown[0]!r}; known: {', '.join(ms.registry.names())}")
        raise typer.Exit(2)
    failed = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        for name in names:
            task = bar.add_task(f"{name}", total=None)

            def tick(total: int, task=task) -> None:
                bar.update(task, total=total, advance=1)

            use_live = live if live is not None else ms.registry.config(name).mode == "live"
            report = refresh_source(ms, name, live=use_live, progress=tick)
            bar.update(task, description=f"{name}: {report.message}")
            bar.console.print(
                f"{name} ({report.origin}): {report.message}; read {report.read}, "
                f"added {len(report.added)}, changed {len(report.changed)}, "
                f"removed {len(report.removed)}",
                markup=False,
            )
            failed += 0 if report.ok or report.origin == "none" else 1
    svc.close()
    raise typer.Exit(1 if failed else 0)
