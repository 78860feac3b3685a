"""Rows that make v2013 title phrases of three words or more exact filters on most records
(issue 10 item 2): facet rows `(~p:xx, word)` of each word that the display title in xx holds
twice or more (the word alone: pair rows hold a space), beside the pair rows of migration
0012_v2013_phrases, with the own-rows row `(~p:xx, *)` where they make a language's rows differ
from the English ones (bch.storage.text_tokens.title_pair_rows). A phrase's pairs are exact on
the records whose title holds none of its inner words twice; the others are checked.

A publish writes them from now on. Here the records stored before: only those whose display
title repeats a word get rows (the `~p:` rows a publish writes that they lack); the others'
rows are already what a publish writes. Titles only, no body read; a progress bar on a
terminal.

Revision ID: 0014_v2013_repeated_words
Revises: 0013_node_history
"""

import sys

import sqlalchemy as sa
from alembic import op

from bch.storage.tables_base import Json

revision = "0014_v2013_repeated_words"
down_revision = "0013_node_history"
branch_labels = None
depends_on = None

CHUNK = 5_000
# a repeated word's row: a ~p: value without a space that is not the own-rows row "*"
REPEATED = "field LIKE '~p:%' AND value NOT LIKE '% %' AND value <> '*'"


def upgrade() -> None:
    from rich.console import Console
    from rich.progress import Progress

    bind = op.get_bind()
    docs = sa.table("documents", sa.column("id"), sa.column("title", Json), sa.column("deleted_at"))
    top = bind.execute(sa.select(sa.func.coalesce(sa.func.max(docs.c.id), 0))).scalar_one()
    bar = Progress(console=Console(stderr=True), disable=not sys.stderr.isatty())
    with bar:
        task = bar.add_task("v2013 title words held twice: records", total=top)
        for low in range(1, top + 1, CHUNK):
            found = _repeating(bind, docs, range(low, low + CHUNK))
            if found:
                _write(bind, found)
            bar.update(task, completed=min(top, low + CHUNK - 1))


def _repeating(bind, docs, ids: range) -> dict[int, set[tuple[str, str]]]:
    """id -> the `~p:` rows a publish writes, of the live records of `ids` whose display title
    holds a word twice (in any language)."""
    from bch.storage.text_tokens import OWN_WORDS, title_pair_rows

    live = docs.c.id.between(ids.start, ids.stop - 1), docs.c.deleted_at.is_(None)
    out = {}
    for doc_id, title in bind.execute(sa.select(docs.c.id, docs.c.title).where(*live)):
        rows = title_pair_rows(title)
        if any(" " not in v and v != OWN_WORDS for _f, v in rows):
            out[doc_id] = rows
    return out


def _write(bind, found: dict[int, set[tuple[str, str]]]) -> None:
    """The `~p:` rows of these records made what a publish writes: the missing ones inserted
    (the repeated words', and a language's own rows where the words make them its own)."""
    from bch.storage.bulk import insert_rows
    from bch.storage.tables import record_facets

    f = record_facets.c
    stmt = sa.select(f.document_id, f.field, f.value).where(
        f.document_id.in_(list(found)), f.field.like("~p:%")
    )
    have = {tuple(r) for r in bind.execute(stmt)}
    want = {(doc_id, field, value) for doc_id, rows in found.items() for field, value in rows}
    for doc_id, field, value in have - want:  # none expected: what 0012 wrote holds
        bind.execute(
            record_facets.delete().where(
                f.document_id == doc_id, f.field == field, f.value == value
            )
        )
    rows = [{"document_id": d, "field": k, "value": v} for d, k, v in sorted(want - have)]
    insert_rows(bind, record_facets, rows)


def downgrade() -> None:
    # the own-rows rows these made are left: they say true pairs, which 0012's code reads too
    op.execute(f"DELETE FROM record_facets WHERE {REPEATED}")
