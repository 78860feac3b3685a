"""The training sandbox's database: wiped whole on reset, and the accounts copied from the real
database (users and their roles), so registered users sign in to practise with their own
credentials. Nothing here ever writes to the real database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert, select, text

from bch.storage.database import Database
from bch.storage.tables import role_grants, users


def wipe(db: Database) -> None:
    """Remove everything: a SQLite sandbox is a file of its own (deleted with its journal and
    saved search index); on PostgreSQL the sandbox database's public schema is recreated."""
    path = db.dialect.database_file(db.engine)
    db.engine.dispose()
    if path is not None:
        for suffix in ("", "-wal", "-shm", ".search-index"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()


def copy_accounts(real: Database, sandbox: Database) -> int:
    """Users and role grants of the real database into the (freshly migrated) sandbox."""
    with real.reading() as conn:
        people = [dict(r._mapping) for r in conn.execute(select(users).order_by(users.c.id))]
        grants = [dict(r._mapping) for r in conn.execute(select(role_grants))]
    new_ids: dict[int, int] = {}
    with sandbox.writing(changes=False) as conn:  # new ids: the sandbox's sequences stay right
        for person in people:
            old = person.pop("id")
            new_ids[old] = conn.execute(insert(users).values(**person)).inserted_primary_key[0]
        for grant in grants:
            grant.pop("id")
            grant["user_id"] = new_ids[grant["user_id"]]
            conn.execute(insert(role_grants).values(**grant))
    return len(people)
