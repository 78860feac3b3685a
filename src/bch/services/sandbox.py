"""The training sandbox (issue 13): a separate database where registered users practise
drafting, requesting and publishing records exactly as on the real site, without touching the
real records. It is served by its own server (`bch customs sandbox serve`), marked on every
page, and reset by the Secretariat (`bch customs sandbox reset`): wiped, loaded with the shipped
data, and given the real site's accounts and roles again. Its mails go to the log."""

from __future__ import annotations

from pathlib import Path

from bch.services.container import Services
from bch.settings import Settings
from bch.storage import sandbox as store
from bch.storage.database import Database
from bch.storage.engine import make_engine


def sandbox_url(real_url: str, settings: Settings) -> str | None:
    """BCH_SANDBOX_DATABASE_URL, else for a SQLite file `<name>-sandbox.db` beside it (a
    PostgreSQL site names its sandbox database explicitly)."""
    if settings.sandbox_database_url:
        return settings.sandbox_database_url
    prefix = "sqlite:///"
    if real_url.startswith(prefix) and real_url != prefix + ":memory:":
        path = Path(real_url[len(prefix) :])
        return f"{prefix}{path.with_name(path.stem + '-sandbox' + path.suffix)}"
    return None


def reset(real: Services, url: str, settings: Settings) -> dict[str, int]:
    """Wipe the sandbox, migrate it, load the shipped data, copy the accounts. Refuses to touch
    the real database."""
    from bch.importer.run import import_shipped

    if make_engine(url).url == real.engine.url:
        raise ValueError("the sandbox must be another database than the real one")
    store.wipe(Database(make_engine(url)))
    box = open_sandbox(url, settings)
    try:
        import_shipped(box)
        people = store.copy_accounts(real.db, box.db)
        with box.store.reading() as conn:
            records = box.store.count_documents(conn)
    finally:
        box.close()
    return {"records": records, "users": people}


def open_sandbox(url: str, settings: Settings) -> Services:
    """The sandbox's services, its mails to the log (no SMTP host)."""
    return Services.open(url, settings=settings.with_(smtp_host=""))
