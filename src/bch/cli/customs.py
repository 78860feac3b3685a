"""`bch customs check FILE --to CC --use USE[,USE]`: a shipment document checked from the shell.

Prints one line per item (line number, verdict, UID, the text as written, reasons and warnings),
then the Art. 18.2(a) elements and whom to call; `--json` prints the API's answer instead. Exits
0 when every item is approved (with or without conditions), 2 when some item is not, 1 on bad
input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bch.cli.common import DatabaseOpt, console, database_url, load_settings, open_services
from bch.services.errors import ServiceError

app = typer.Typer(help="Customs and border control", no_args_is_help=True)
_COLOURS = {
    "approved": "green",
    "approved_with_conditions": "yellow",
    "prohibited": "red",
    "expired": "red",
    "no_decision": "red",
    "unknown_identifier": "magenta",
    "ambiguous": "magenta",
    "malformed": "magenta",
}


@app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="the document: PDF, CSV or text ('-' for stdin)")],
    to: Annotated[str, typer.Option("--to", help="destination country, ISO 3166 code (e.g. CA)")],
    use: Annotated[
        str | None,
        typer.Option("--use", help="declared uses, comma-separated (default: the document's)"),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto, text, csv or pdf")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="print the JSON answer")] = False,
    database: DatabaseOpt = None,
) -> None:
    """Check a shipment document against the destination country's decisions."""
    from bch.services.customs import CheckInput

    data = sys.stdin.buffer.read() if str(file) == "-" else _read(file)
    svc, _url = open_services(database)
    try:
        result = svc.customs.check(CheckInput(to, use, data=data, filename=file.name, format=fmt))
    except ServiceError as exc:
        console.print(f"[red]{escape(exc.message)}[/red]")
        raise typer.Exit(1) from None
    finally:
        svc.close()
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print(result)
    ok = all(i["verdict"] in ("approved", "approved_with_conditions") for i in result["items"])
    raise typer.Exit(0 if ok else 2)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        console.print(f"[red]{escape(str(file))}: {escape(exc.strerror or str(exc))}[/red]")
        raise typer.Exit(1) from None


def _print(result: dict) -> None:
    console.print(
        f"destination {result['destination']}, uses {', '.join(result['uses'])} "
        f"(from the {result['usesFrom']}), {len(result['items'])} item(s) "
        f"in {result['lines']} line(s)"
    )
    for it in result["items"]:
        colour = _COLOURS.get(it["verdict"], "white")
        console.print(
            f"line {it['line']:>4}  [{colour}]{it['verdict']:<24}[/{colour}] "
            f"{escape(it['uid'] or '-')}  {escape(it['text'].strip())}"
        )
        for reason in it["reasons"]:
            console.print(f"            {escape(reason)}")
        for cond in it["conditions"]:
            console.print(f"            condition: {escape(cond)}")
        for warning in it["warnings"]:
            console.print(f"            [yellow]warning:[/yellow] {escape(warning)}")
        for cand in it["candidates"]:
            console.print(
                f"            candidate: {escape(cand['uid'] or cand['key'])} {escape(cand['name'])}"
            )
    doc = result["documentation"]
    console.print(
        "Art. 18.2(a): "
        + ", ".join(
            f"{k} {'yes' if doc[k] else 'NO'}"
            for k in ("may_contain_statement", "uids_given", "bch_address", "contact")
        )
    )
    auth = result["authority"]
    for cna in auth["competentAuthorities"]:
        name = cna["name"].get("en") if isinstance(cna["name"], dict) else cna["name"]
        console.print(f"competent authority: {escape(str(name))} {' '.join(cna['websites'])}")
    for note in auth["notes"]:
        console.print(escape(note))


sandbox_app = typer.Typer(
    help="The training sandbox: a separate database to practise publishing", no_args_is_help=True
)
app.add_typer(sandbox_app, name="sandbox")
SandboxOpt = Annotated[
    str | None,
    typer.Option(
        "--sandbox-database",
        help="the sandbox's database URL (default: BCH_SANDBOX_DATABASE_URL, or <name>-sandbox.db "
        "beside a SQLite database)",
    ),
]


def _sandbox_url(real_url: str, given: str | None, settings) -> str:
    from bch.services.sandbox import sandbox_url

    url = given or sandbox_url(real_url, settings)
    if not url:
        console.print(
            "[red]name the sandbox database: --sandbox-database or BCH_SANDBOX_DATABASE_URL[/red]"
        )
        raise typer.Exit(1)
    return url


@sandbox_app.command("reset")
def sandbox_reset(
    database: Annotated[
        str | None, typer.Option("--database", help="the real database URL (its accounts)")
    ] = None,
    sandbox_database: SandboxOpt = None,
) -> None:
    """Wipe the sandbox and load it again: shipped data, and the real site's accounts."""
    from bch.services.container import Services
    from bch.services.sandbox import reset

    settings = load_settings()
    real_url = database_url(database, settings)
    url = _sandbox_url(real_url, sandbox_database, settings)
    real = Services.open(real_url, settings=settings)
    try:
        counts = reset(real, url, settings)
    except ValueError as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(1) from None
    finally:
        real.close()
    console.print(f"sandbox {url} reset: {counts['records']} records, {counts['users']} accounts")


@sandbox_app.command("serve")
def sandbox_serve(
    port: Annotated[int, typer.Option(help="TCP port")] = 8001,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    database: Annotated[
        str | None, typer.Option("--database", help="the real database URL")
    ] = None,
    sandbox_database: SandboxOpt = None,
) -> None:
    """Serve the sandbox (marked on every page); reset it first if it was never set up."""
    import uvicorn

    from bch.api.app import create_app
    from bch.services.container import Services
    from bch.services.sandbox import open_sandbox, reset

    settings = load_settings()
    if "BCH_PUBLIC_URL" not in settings.given:  # absolute URLs name this server
        settings = settings.with_(public_url=f"http://{host}:{port}")
    real_url = database_url(database, settings)
    url = _sandbox_url(real_url, sandbox_database, settings)
    box = open_sandbox(url, settings)
    if box.is_empty():
        box.close()
        real = Services.open(real_url, settings=settings)
        reset(real, url, settings)
        real.close()
        box = open_sandbox(url, settings)
    app = create_app(box)
    app.state.sandbox = True
    console.print(f"Training sandbox {url} on http://{host}:{port}")
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
