"""`bch user ...` and `bch workflow ...`: operators manage people and run the deadlines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bch.config import database_url
from bch.services.errors import ServiceError

if TYPE_CHECKING:
    from bch.services.container import Services

user_app = typer.Typer(help="Users and roles", no_args_is_help=True)
workflow_app = typer.Typer(help="Publishing workflow", no_args_is_help=True)
console = Console()

DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (default: BCH_DATABASE_URL or a SQLite file)"),
]
RoleOpt = Annotated[str, typer.Option("--role", help="nfp, nau, secretariat or user")]
CountryOpt = Annotated[
    str | None, typer.Option("--country", help="ISO 3166 code (or EU) for nfp and nau")
]
SchemaOpt = Annotated[
    list[str] | None,
    typer.Option("--schema", help="limit a nau to this record type (repeatable)"),
]


@contextmanager
def _services(database: str | None) -> Iterator[Services]:
    """The services of the database, closed afterwards; a refused action is printed with what
    was wrong and exits with status 1."""
    from bch.services.container import Services

    svc = Services.open(database_url(database))
    try:
        yield svc
    except ServiceError as exc:
        console.print(f"[red]error:[/red] {exc.message}", highlight=False)
        for e in exc.errors:
            console.print(f"  {e.get('path')}: {e.get('message')}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        svc.close()


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="E-mail address (the login)")],
    role: RoleOpt = "user",
    country: CountryOpt = None,
    password: Annotated[
        str | None, typer.Option("--password", help="Password (else: reset by mail)")
    ] = None,
    schema: SchemaOpt = None,
    database: DatabaseOpt = None,
):
    """Add a confirmed user with a role (or add the role to an existing user)."""
    with _services(database) as svc:
        user = svc.accounts.add_user(
            email, role=role, country=country, password=password, schemas=schema, by="cli"
        )
        console.print(f"{user.email}: {role}" + (f" {country.upper()}" if country else ""))


@user_app.command("list")
def user_list(database: DatabaseOpt = None):
    """List users and their roles."""
    with _services(database) as svc:
        for u in svc.accounts.users.list():
            roles = ", ".join(
                r["role"]
                + (f" {r['country']}" if r["country"] else "")
                + (f" ({'/'.join(r['schemas'])})" if r["schemas"] else "")
                for r in u["roles"]
            )
            state = "" if u["confirmed"] else " (unconfirmed)"
            console.print(f"{u['email']}{state}: {roles or 'user'}", highlight=False)


@user_app.command("grant")
def user_grant(
    email: str,
    role: RoleOpt,
    country: CountryOpt = None,
    schema: SchemaOpt = None,
    database: DatabaseOpt = None,
):
    """Grant a role (audited)."""
    with _services(database) as svc:
        svc.accounts.grant(email, role, country, schemas=schema, by="cli")
        console.print(
            f"granted {role}" + (f" {country.upper()}" if country else "") + f" to {email}"
        )


@user_app.command("revoke")
def user_revoke(
    email: str, role: RoleOpt, country: CountryOpt = None, database: DatabaseOpt = None
):
    """Revoke a role (audited)."""
    with _services(database) as svc:
        n = svc.accounts.revoke(email, role, country, by="cli")
        console.print(f"revoked {n} grant(s) of {role} from {email}")


@workflow_app.command("tick")
def workflow_tick(database: DatabaseOpt = None):
    """Send due reminder mails and expire overdue requests (run it daily)."""
    with _services(database) as svc:
        report = svc.workflow.tick()
        console.print(f"reminders sent: {report.reminders}; requests expired: {report.expired}")
