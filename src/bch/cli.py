"""The `bch` command line: serve, import, uid check, db upgrade."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bch.config import DEFAULT_PORT, database_url, oai_namespace, public_url

app = typer.Typer(help="Biosafety Clearing-House", no_args_is_help=True, add_completion=False)
uid_app = typer.Typer(help="OECD unique identifiers", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance", no_args_is_help=True)
app.add_typer(uid_app, name="uid")
app.add_typer(db_app, name="db")
from bch.accounts.commands import user_app, workflow_app  # noqa: E402

app.add_typer(user_app, name="user")
app.add_typer(workflow_app, name="workflow")
app.add_typer(__import__("bch.customs_commands").customs_commands.customs_app, name="customs")
from bch.sources.commands import resolve_command, sources_app  # noqa: E402

app.add_typer(sources_app, name="sources")
app.command("resolve")(resolve_command)
console = Console()

DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: BCH_DATABASE_URL or a SQLite file)"),
]


def _open(database: str | None):
    from bch.services.container import Services

    url = database_url(database)
    return Services.open(url), url


def _run_import(svc, data_dir: Path | None, *, first_load: bool = False) -> None:
    """Load the shipped data with a progress bar. `first_load`: only into an empty database
    (another server starting at the same time may load it first: then this one waits)."""
    from bch.importer.run import import_shipped
    from bch.storage.sqlite_locking import STARTUP_WAIT

    with Progress(
        TextColumn("[bold]Loading shipped data"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("records", total=None)
        summary = import_shipped(
            svc,
            data_dir,
            only_if_empty=first_load,
            wait=STARTUP_WAIT if first_load else None,
            on_start=lambda n: progress.update(task, total=n),
            on_step=lambda: progress.advance(task),
        )
    if summary is None:
        console.print("Another process loaded the data meanwhile: nothing to load.")
        return
    if not summary.changed:
        console.print("Nothing changed: the database already holds the shipped data.")
        return
    for schema, n in sorted(summary.published.items()):
        console.print(f"  {schema}: {n} published")
    unchanged = sum(summary.unchanged.values())
    if unchanged:
        console.print(f"  {unchanged} records unchanged")
    console.print(
        f"  detection methods: {summary.detection_methods} "
        f"({summary.detection_methods_changed} added or changed)"
    )
    console.print(f"  {summary.warnings} validation warnings recorded on imported revisions")


@app.command("import")
def import_cmd(
    database: DatabaseOpt = None,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of the shipped data")] = None,
):
    """Load the shipped real data (idempotent: a second run changes nothing and says so)."""
    svc, url = _open(database)
    console.print(f"Database: {url}")
    try:
        _run_import(svc, data_dir)
    finally:
        svc.close()


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="TCP port")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    database: DatabaseOpt = None,
    empty: Annotated[bool, typer.Option("--empty", help="Do not load the shipped data")] = False,
):
    """Serve the web UI and API. An empty database is loaded with the shipped data first."""
    import uvicorn

    from bch.api.app import create_app

    svc, url = _open(database)
    console.print(f"Database: {url}")
    if not empty and svc.is_empty():
        console.print("Empty database: loading the shipped real data first.")
        _run_import(svc, None, first_load=True)
    console.print(f"Serving on http://{host}:{port}")
    if not os.environ.get("BCH_PUBLIC_URL"):  # absolute URLs name this server, never a Host header
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        shown = f"[{shown}]" if ":" in shown else shown  # an IPv6 address
        os.environ["BCH_PUBLIC_URL"] = f"http://{shown}:{port}"
    console.print(f"Public URL: {public_url()} (BCH_PUBLIC_URL); OAI namespace {oai_namespace()}")
    # proxy headers are read by the app itself, from trusted proxies only (BCH_FORWARDED_ALLOW_IPS)
    uvicorn.run(create_app(svc), host=host, port=port, log_level="info", proxy_headers=False)


@uid_app.command("check")
def uid_check(text: Annotated[str, typer.Argument(help="A UID or stack, in any spelling")]):
    """Explain how an OECD unique identifier is read, normalised and verified."""
    from bch.records.oecd_uid import explain, try_parse_uid

    for line in explain(text):
        console.print(line, markup=False, highlight=False)
    if try_parse_uid(text) is None:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None):
    """Apply database migrations (also done automatically by serve and import)."""
    from bch.storage import migrate
    from bch.storage.engine import make_engine

    url = database_url(database)
    engine = make_engine(url)
    migrate.upgrade(engine)
    console.print(f"{url}: at migrations {sorted(migrate.current_revisions(engine))}")


@db_app.command("reindex")
def db_reindex(database: DatabaseOpt = None):
    """Rebuild the search index (filters, facets, per-language full text) of every record."""
    from bch.services.reindex import reindex

    svc, url = _open(database)
    console.print(f"{url}: {reindex(svc)} records indexed")
