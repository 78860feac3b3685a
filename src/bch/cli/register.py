"""`bch register preview|import --mapping FILE DATA`: a national register file (CSV, XLSX, JSON)
mapped to records (bch.registers; docs/REGISTERS.md).

`preview` prints, per row with something to say, its number, status, key and problems (column,
field path, expected form), then the counts and the rows removed since the last import; it
writes nothing. `import --as EMAIL` acts as that account through the publishing workflow, as the
API does: a draft per new or changed valid row, published directly when the account is a
publishing authority of the register's country (its focal point), else sent as a publishing
request; a re-import makes no second draft, request or revision. It shows a progress bar and
prints the same summary. `--json` prints the API's answer. Exits 1 on a bad mapping, file or
account, 2 when some row is invalid (the valid rows are imported)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bch.cli.common import DatabaseOpt, console, open_services
from bch.services.errors import ServiceError

app = typer.Typer(help="National registers: preview and import", no_args_is_help=True)
MappingOpt = Annotated[
    str,
    typer.Option("--mapping", help="mapping file (TOML) or a shipped mapping's name: ca_cfia"),
]
DataArg = Annotated[Path, typer.Argument(help="the register file: .csv, .xlsx or .json")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the JSON answer")]
AsOpt = Annotated[
    str,
    typer.Option(
        "--as",
        help="e-mail of the account the import acts as (its focal point publishes, an "
        "authorized user's rows become publishing requests)",
    ),
]
PreviewAsOpt = Annotated[
    str | None,
    typer.Option("--as", help="preview as this account (its rights, its pending drafts)"),
]
_COLOURS = {"new": "green", "changed": "yellow", "invalid": "red", "pending": "cyan"}


@app.command("preview")
def preview_command(
    data: DataArg,
    mapping: MappingOpt,
    as_email: PreviewAsOpt = None,
    as_json: JsonOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """What an import of DATA would do, row by row; writes nothing."""
    _run(data, mapping, database, as_json, as_email, write=False)


@app.command("import")
def import_command(
    data: DataArg,
    mapping: MappingOpt,
    as_email: AsOpt,
    as_json: JsonOpt = False,
    database: DatabaseOpt = None,
) -> None:
    """Import the new and changed valid rows of DATA as the account --as, through the
    publishing workflow (idempotent: run it again at will)."""
    _run(data, mapping, database, as_json, as_email, write=True)


def _run(
    data: Path, mapping: str, database: str | None, as_json: bool, email: str | None, write: bool
) -> None:
    try:
        raw = data.read_bytes()
    except OSError as exc:
        console.print(f"[red]cannot read {escape(str(data))}: {escape(exc.strerror or '')}")
        raise typer.Exit(1) from None
    svc, _url = open_services(database)
    try:
        m = svc.registers.mapping(mapping, files=True)
        principal = svc.accounts.principal_of_email(email) if email else None
        if write:
            report = _import(svc, m, data.name, raw, principal, quiet=as_json)
        else:
            report = svc.registers.preview(m, data.name, raw, principal)
    except ServiceError as exc:
        where = ", ".join(e.get("path", "") for e in exc.errors)
        console.print(f"[red]{escape(where + ': ' if where else '')}{escape(exc.message)}")
        raise typer.Exit(1) from None
    finally:
        svc.close()
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
    else:
        _print(report)
    if report.counts.get("invalid"):
        raise typer.Exit(2)


def _import(svc, m, name: str, raw: bytes, principal, quiet: bool):
    with Progress(
        TextColumn(f"[bold]Importing {escape(m.id)}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    ) as progress:
        task = progress.add_task("rows", total=None)
        return svc.registers.import_rows(
            m,
            name,
            raw,
            principal=principal,
            on_start=lambda n: progress.update(task, total=n),
            on_row=lambda _r: progress.advance(task),
        )


def _print(report) -> None:
    table = Table(title=f"{report.title} ({report.filename})", show_lines=False)
    for col in ("row", "status", "record", "problems"):
        table.add_column(col)
    for r in report.rows:
        if r.status in ("unchanged", "skipped"):
            continue
        problems = "; ".join(
            f"{e.get('column') or '-'} -> {e.get('path') or '-'}: {e.get('message')}"
            for e in r.errors
        )
        colour = _COLOURS.get(r.status, "white")
        status = r.status + (f" ({r.result})" if r.result else "")
        record = r.uid or r.key
        table.add_row(str(r.row), f"[{colour}]{status}", escape(record), escape(problems))
    if table.rows:
        console.print(table)
    for gone in report.removed:
        console.print(
            f"[yellow]removed from the register[/] (record kept): {escape(gone['uid'] or '')} "
            f"{escape(gone['title'])} [dim]{escape(gone['key'])}"
        )
    verb = "imported" if report.imported else "would import (preview)"
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    console.print(f"{report.mapping}: {verb}: {counts}")
