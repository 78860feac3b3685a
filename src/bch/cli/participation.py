"""`bch consultations ...` and `bch forums ...`: public participation (issue 14).

* `bch consultations close-due`: record the closing of every consultation past its deadline
  (pages compute it on read anyway; `bch serve` runs it at start).
* `bch consultations import-windows`: the real comment windows shipped in data/ (each pointing
  to its official page), and the Aarhus forums as closed, empty archives.
* `bch forums ingest-mail < message.eml`: a reply by e-mail to a thread's signed address."""

from __future__ import annotations

import sys

import typer

from bch.cli.common import DatabaseOpt, console, services

consultations = typer.Typer(help="Public consultations", no_args_is_help=True)
forums = typer.Typer(help="Online forums", no_args_is_help=True)


@consultations.command("close-due")
def close_due(database: DatabaseOpt = None) -> None:
    """Close the consultations whose deadline passed."""
    with services(database) as svc:
        with console.status("Closing consultations past their deadline..."):
            closed = svc.consultations.close_due()
        console.print(
            f"Closed {len(closed)} consultation(s){': ' if closed else ''}{', '.join(closed)}"
        )


@consultations.command("import-windows")
def import_windows(database: DatabaseOpt = None) -> None:
    """Import the real comment windows and the documented Aarhus forums (kept if present)."""
    with services(database) as svc:
        with console.status("Importing comment windows and forum archives..."):
            windows = svc.consultations.import_windows()
            archives = svc.forums.import_archive()
        console.print(f"Imported {windows} comment window(s) and {archives} forum archive(s).")


@forums.command("ingest-mail")
def ingest_mail(database: DatabaseOpt = None) -> None:
    """Post a reply by e-mail: the RFC 822 message on standard input."""
    raw = sys.stdin.buffer.read()
    with services(database) as svc:
        post = svc.forums.ingest_mail(raw)
        console.print(f"Posted reply {post['id']} ({post['status']}) by {post['author']}.")
