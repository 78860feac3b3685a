"""What every command group shares: the console, the `--database` option, the settings read
once at start (a bad value: its message and exit code 2), and the opener of the services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bch.services.errors import ServiceError
from bch.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bch.services.container import Services

console = Console()
# errors go to standard error, so that scripts reading standard output see only answers
errors = Console(stderr=True)

DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: BCH_DATABASE_URL or a SQLite file)"),
]


def load_settings() -> Settings:
    """The settings of the environment; a bad value ends the command with its message (naming
    the variable and the expected form) and exit code 2."""
    try:
        return Settings.from_environ()
    except SettingsError as exc:
        for problem in exc.problems:
            errors.print(f"error: {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def database_url(database: str | None, settings: Settings) -> str:
    return database or settings.database_url


def open_services(database: str | None, settings: Settings | None = None) -> tuple[Services, str]:
    """The services of `--database` (else BCH_DATABASE_URL, else the SQLite file), migrated,
    and the URL used. The caller closes them."""
    from bch.services.container import Services

    settings = settings or load_settings()
    url = database_url(database, settings)
    return Services.open(url, settings=settings), url


@contextmanager
def services(database: str | None) -> Iterator[Services]:
    """The services of the database, closed afterwards; a refused action is printed with what
    was wrong and exits with status 1."""
    svc, _url = open_services(database)
    try:
        yield svc
    except ServiceError as exc:
        console.print(f"[red]error:[/red] {exc.message}", highlight=False)
        for e in exc.errors:
            console.print(f"  {e.get('path')}: {e.get('message')}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        svc.close()
