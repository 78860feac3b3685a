"""`bch user add|list|grant|revoke`: operators manage people and their roles."""

from __future__ import annotations

from typing import Annotated

import typer

from bch.cli.common import DatabaseOpt, console, services

app = typer.Typer(help="Users and roles", no_args_is_help=True)

RoleOpt = Annotated[str, typer.Option("--role", help="nfp, nau, secretariat or user")]
CountryOpt = Annotated[
    str | None, typer.Option("--country", help="ISO 3166 code (or EU) for nfp and nau")
]
SchemaOpt = Annotated[
    list[str] | None,
    typer.Option("--schema", help="limit a nau to this record type (repeatable)"),
]


@app.command("add")
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
    with services(database) as svc:
        user = svc.accounts.add_user(
            email, role=role, country=country, password=password, schemas=schema, by="cli"
        )
        console.print(f"{user.email}: {role}" + (f" {country.upper()}" if country else ""))


@app.command("list")
def user_list(database: DatabaseOpt = None):
    """List users and their roles."""
    with services(database) as svc:
        for u in svc.accounts.users.list():
            roles = ", ".join(
                r["role"]
                + (f" {r['country']}" if r["country"] else "")
                + (f" ({'/'.join(r['schemas'])})" if r["schemas"] else "")
                for r in u["roles"]
            )
            state = "" if u["confirmed"] else " (unconfirmed)"
            console.print(f"{u['email']}{state}: {roles or 'user'}", highlight=False)


@app.command("grant")
def user_grant(
    email: str,
    role: RoleOpt,
    country: CountryOpt = None,
    schema: SchemaOpt = None,
    database: DatabaseOpt = None,
):
    """Grant a role (audited)."""
    with services(database) as svc:
        svc.accounts.grant(email, role, country, schemas=schema, by="cli")
        console.print(
            f"granted {role}" + (f" {country.upper()}" if country else "") + f" to {email}"
        )


@app.command("revoke")
def user_revoke(
    email: str, role: RoleOpt, country: CountryOpt = None, database: DatabaseOpt = None
):
    """Revoke a role (audited)."""
    with services(database) as svc:
        n = svc.accounts.revoke(email, role, country, by="cli")
        console.print(f"revoked {n} grant(s) of {role} from {email}")
