"""Alembic migrations build, from an empty database, exactly the schema the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bch.storage import migrate
from bch.storage.tables import metadata


def _ignore_search_internals(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name and name.startswith("search_tokens_fts"):
        return False  # SQLite FTS5 virtual table and its shadow tables
    if type_ == "column" and name in ("words_tsv", "title_tsv"):
        return False  # PostgreSQL generated tsvectors
    if type_ == "index" and name == "ix_documents_v2013_order":
        return False  # an expression index (migration 0008_harvester)
    if type_ == "index" and name == "ix_record_facets_title_words_c":
        return False  # PostgreSQL: a partial expression index (migration 0012_v2013_phrases)
    return not (type_ == "index" and name and name.startswith("ix_search_tokens_"))


def test_migrations_match_the_declared_tables(services):
    with services.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": _ignore_search_internals, "compare_type": False}
        )
        diff = compare_metadata(ctx, metadata)
    assert diff == []
    assert migrate.current_revisions(services.engine) == migrate.head_revisions()


def test_the_heads_read_from_the_files_are_alembics(services):
    """migrate reads the revisions from the files without Alembic (a fifth of a second at each
    start); Alembic's own reading of the folder, and of a database, agree with it."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate._config())
    assert migrate.head_revisions() == set(scripts.get_heads())
    assert migrate.all_revisions() == {s.revision for s in scripts.walk_revisions()}
    with services.engine.connect() as conn:
        alembic_says = set(MigrationContext.configure(conn).get_current_heads())
        assert migrate.current_revisions_of(conn) == alembic_says == migrate.head_revisions()
