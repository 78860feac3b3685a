"""CLI: ``bch data check``: the import report and the data check of the shipped data (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bch.cli.common import console

app = typer.Typer(help="The shipped data: import report and data check", no_args_is_help=True)


@app.command("check")
def check_command(
    data_dir: Annotated[Path | None, typer.Option(help="Folder of the shipped data")] = None,
    details: Annotated[int, typer.Option(help="Examples printed per problem kind")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON answer")] = False,
):
    """Per record type: required fields missing, values contradicting another source that are
    not shown as a disagreement, duplicates, malformed UIDs, stacks whose components are not in
    the registry, lost stack UIDs. Exit status 1 when a contradiction not shown, a duplicate or a
    lost stack UID is found."""
    from bch.importer import sources
    from bch.importer.check import BLOCKING, check_plan
    from bch.importer.plan import build_plan
    from bch.importer.provenance import TraitEvidence

    plan = build_plan(data_dir)
    evidence = TraitEvidence.build(
        sources.isaaa_gene_rows(data_dir),
        sources.biotrack_gene_rows(data_dir),
        sources.cfia_records(data_dir),
    )
    result = check_plan(plan.documents, plan.provenance, evidence.by_key)
    if as_json:
        body = {
            "report": plan.report,
            "problems": {s: dict(k) for s, k in result.problems.items()},
            "blocking": result.blocking,
        }
        console.print_json(json.dumps(body, ensure_ascii=False))
    else:
        console.print("[bold]Import report[/bold]")
        for key, value in plan.report.items():
            console.print(f"  {key}: {value}")
        console.print("[bold]Data check[/bold]")
        for schema in sorted(result.problems):
            for kind, items in sorted(result.problems[schema].items()):
                mark = "[red]✗[/red]" if kind in BLOCKING else "·"
                console.print(f"  {mark} {schema} {kind}: {len(items)}")
                for item in items[:details]:
                    console.print(f"      {item}", markup=False)
        for kind in BLOCKING:
            console.print(f"  {kind}: {result.count(kind)}")
    if result.blocking:
        raise typer.Exit(1)
