"""CLI: ``bch resolve NAME`` and ``bch sources list|refresh``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

sources_app = typer.Typer(help="External LMO databases", no_args_is_help=True)
console = Console()
DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: BCH_DATABASE_URL or a SQLite file)"),
]


def resolve_command(
    name: Annotated[str, typer.Argument(help="A UID, event name, trade name or title")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON answer")] = False,
):
    """Resolve a name to LMOs: ranked candidates with scores and reasons."""
    from bch.resolve.index import default_resolver

    res = default_resolver().resolve(name)
    if as_json:
        console.print_json(json.dumps(res.to_json(), ensure_ascii=False))
        raise typer.Exit(0 if res.best else 1)
    table = Table(title=f"{name!r}" + (" (ambiguous)" if res.ambiguous else ""))
    for col in ("score", "UID", "name", "relation", "reasons"):
        table.add_column(col)
    for c in res.candidates[:10]:
        table.add_row(f"{c.score:.2f}", c.uid or c.key, c.name, c.relation, "; ".join(c.reasons))
    console.print(table)
    for note in res.notes:
        console.print(f"note: {note}", markup=False)
    best = res.best
    console.print(f"resolved: {best.uid or best.key}" if best else "not resolved", markup=False)
    raise typer.Exit(0 if best else 1)


def _matches(database: str | None):
    from bch.cli import _open

    svc, _url = _open(database)
    return svc, svc.matches


@sources_app.command("list")
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


@sources_app.command("refresh")
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
