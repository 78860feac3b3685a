"""`bch backup OUT` and `bch restore IN`: a consistent online copy of the database and its
attachment files in one archive, and its restoration (bch.services.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from bch.cli.common import DatabaseOpt, console, database_url, errors, load_settings
from bch.services.errors import ServiceError

app = typer.Typer(help="Backup and restore")


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console)


def _open(database: str | None, *, upgrade: bool):
    from bch.services.container import Services

    settings = load_settings()
    url = database_url(database, settings)
    return Services.open(url, upgrade=upgrade, settings=settings), url


@app.command("backup")
def backup_command(
    out: Annotated[Path, typer.Argument(help="The archive to write (a tar file)")],
    database: DatabaseOpt = None,
):
    """Copy the database (one consistent snapshot; writers go on) and its attachment files into
    one archive with a manifest (versions, migrations, rows per table, checksums)."""
    svc, url = _open(database, upgrade=True)
    try:
        with _progress() as bar:
            task = bar.add_task("reading", total=None)
            report = svc.backup.backup(
                out, lambda what, n: bar.update(task, description=f"{what}: {n:,}")
            )
    finally:
        svc.close()
    m = report.manifest
    console.print(
        f"{url}: {report.rows:,} rows in {len(m['counts'])} tables, {m['blobs']} attachment "
        f"files, change sequence {m['changeSequence']}, migrations {m['migrations']} "
        f"-> {report.path} ({report.path.stat().st_size:,} bytes)",
        highlight=False,
        soft_wrap=True,
    )
    if m["missingBlobs"]:
        errors.print(f"warning: attachment files missing: {m['missingBlobs']}", markup=False)


@app.command("restore")
def restore_command(
    archive: Annotated[Path, typer.Argument(help="An archive written by `bch backup`")],
    database: DatabaseOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the content of a database that has rows")
    ] = False,
):
    """Restore an archive into an empty database (checked against its manifest first), then
    apply this release's newer migrations. A database holding rows is refused without --force."""
    svc, url = _open(database, upgrade=False)
    try:
        with _progress() as bar:
            task = bar.add_task("checking", total=None)
            report = svc.backup.restore(
                archive,
                force=force,
                progress=lambda w, n: bar.update(task, description=f"{w}: {n:,}"),
            )
    except ServiceError as exc:
        errors.print(f"error: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        svc.close()
    console.print(
        f"{url}: restored {report.rows:,} rows and {report.blobs} attachment files from "
        f"{archive} (made {report.manifest['createdAt']} by bch {report.manifest['bch']} on "
        f"{report.manifest['database']['dialect']}, change sequence "
        f"{report.manifest['changeSequence']}); now at migrations {report.revisions}",
        highlight=False,
        soft_wrap=True,
    )
