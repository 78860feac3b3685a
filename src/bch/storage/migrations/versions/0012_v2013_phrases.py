"""Rows that make v2013 title phrases and title prefixes filters of the search contract (issue
10 item 2): facet rows `(~p:xx, "word1 word2")` of the display title's adjacent word pairs per
language, with `(~p:xx, *)` where they differ from the English ones, and `(~t:xx, *start)` of
title words too long to be rows (bch.storage.text_tokens.title_word_rows). A publish writes
them from now on; here they are written for every live record already stored, from its display
title (no body read), with a progress bar on a terminal. On PostgreSQL, an index of the title
word rows in code point order (a prefix is a range of it whatever the database's collation).

Revision ID: 0012_v2013_phrases
Revises: 0011_node_tables
"""

import sys

import sqlalchemy as sa
from alembic import op

from bch.storage.tables_base import Json

revision = "0012_v2013_phrases"
down_revision = "0011_node_tables"
branch_labels = None
depends_on = None

CHUNK = 5_000
NEW_ROWS = "field LIKE '~p:%' OR (field LIKE '~t:%' AND value LIKE '*_%')"
PG_INDEX = "ix_record_facets_title_words_c"


def upgrade() -> None:
    from rich.console import Console
    from rich.progress import Progress

    from bch.storage.bulk import insert_rows  # executemany without per-row processing; COPY
    from bch.storage.tables import record_facets

    bind = op.get_bind()
    docs = sa.table(
        "documents",
        sa.column("id"),
        sa.column("title", Json),
        sa.column("deleted_at"),
    )
    # a database created after this code: migration 0010 wrote them already (exact_rows)
    op.execute(f"DELETE FROM record_facets WHERE {NEW_ROWS}")
    if bind.dialect.name == "postgresql":
        op.execute(
            f'CREATE INDEX IF NOT EXISTS {PG_INDEX} ON record_facets (field, (value COLLATE "C"),'
            " document_id) WHERE field LIKE '~t:%'"
        )
    top = bind.execute(sa.select(sa.func.coalesce(sa.func.max(docs.c.id), 0))).scalar_one()
    bar = Progress(console=Console(stderr=True), disable=not sys.stderr.isatty())
    with bar:
        task = bar.add_task("v2013 title phrases: records", total=top)
        for low in range(1, top + 1, CHUNK):
            stmt = sa.select(docs.c.id, docs.c.title).where(
                docs.c.id.between(low, low + CHUNK - 1), docs.c.deleted_at.is_(None)
            )
            rows = [
                {"document_id": doc_id, "field": f, "value": v}
                for doc_id, title in bind.execute(stmt)
                for f, v in sorted(_new_rows(title))
            ]
            if rows:
                insert_rows(bind, record_facets, rows)
            bar.update(task, completed=min(top, low + CHUNK - 1))


def _new_rows(title) -> set[tuple[str, str]]:
    from bch.storage.text_tokens import LONG_WORD, title_pair_rows, title_word_rows

    long_words = {
        (f, v) for f, v in title_word_rows(title) if v.startswith(LONG_WORD) and v != LONG_WORD
    }
    return title_pair_rows(title) | long_words


def downgrade() -> None:
    op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    op.execute(f"DELETE FROM record_facets WHERE {NEW_ROWS}")
