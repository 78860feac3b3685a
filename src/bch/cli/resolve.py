"""``bch resolve NAME``: identity resolution of a name to LMOs."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from bch.cli.common import console


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
