"""`bch db upgrade|reindex`: database maintenance."""

from __future__ import annotations

import typer

from bch.cli.common import DatabaseOpt, console, database_url, load_settings, open_services

app = typer.Typer(help="Database maintenance", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(database: DatabaseOpt = None):
    """Apply database migrations (also done automatically by serve and import)."""
    from bch.storage import migrate
    from bch.storage.engine import make_engine

    settings = load_settings()
    url = database_url(database, settings)
    engine = make_engine(url, busy_timeout=settings.sqlite_busy_timeout)
    migrate.upgrade(engine, attachments_dir=settings.attachments_dir)
    console.print(f"{url}: at migrations {sorted(migrate.current_revisions(engine))}")


@app.command("reindex")
def db_reindex(database: DatabaseOpt = None):
    """Rebuild the search index (filters, facets, per-language full text) of every record."""
    from bch.services.reindex import reindex

    svc, url = open_services(database)
    try:
        # one line whatever the URL's length (a long path was wrapped at 80 columns)
        console.print(f"{url}: {reindex(svc)} records indexed", soft_wrap=True)
    finally:
        svc.close()
