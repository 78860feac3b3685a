"""`bch uid check`: how an OECD unique identifier is read."""

from __future__ import annotations

from typing import Annotated

import typer

from bch.cli.common import console

app = typer.Typer(help="OECD unique identifiers", no_args_is_help=True)


@app.command("check")
def uid_check(text: Annotated[str, typer.Argument(help="A UID or stack, in any spelling")]):
    """Explain how an OECD unique identifier is read, normalised and verified."""
    from bch.records.oecd_uid import explain, try_parse_uid

    for line in explain(text):
        console.print(line, markup=False, highlight=False)
    if try_parse_uid(text) is None:
        raise typer.Exit(1)
