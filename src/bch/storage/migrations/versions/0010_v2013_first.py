"""Rows that say exactly what a record holds, so that v2013 exact-term and title-word clauses
are filters of the search contract (issue 10 item 2): facet rows `(=field, term)` of the terms a
record holds itself (not their broader terms) and `(~t:xx, word)` of its display title's words
per language (bch.services.facets.exact_rows, bch.storage.text_tokens.title_word_rows). A
publish writes them from now on; here they are written for every live record already stored,
from its latest revision and display title. No schema change.

Revision ID: 0010_v2013_first
Revises: 0009_load_lmo
"""

import sqlalchemy as sa
from alembic import op

from bch.storage.tables_base import Json

revision = "0010_v2013_first"
down_revision = "0009_load_lmo"
branch_labels = None
depends_on = None

CHUNK = 2_000


def upgrade() -> None:
    from bch.records.realms import RealmRegistry, UnknownSchema  # the record type definitions
    from bch.services.facets import exact_rows
    from bch.storage.bulk import insert_rows  # executemany without per-row processing; COPY
    from bch.storage.tables import record_facets

    bind = op.get_bind()
    docs = sa.table(
        "documents",
        sa.column("id"),
        sa.column("realm"),
        sa.column("schema"),
        sa.column("title", Json),
        sa.column("latest_revision"),
        sa.column("deleted_at"),
    )
    revisions = sa.table(
        "revisions", sa.column("document_id"), sa.column("revision"), sa.column("body", Json)
    )
    top = bind.execute(sa.select(sa.func.coalesce(sa.func.max(docs.c.id), 0))).scalar_one()
    registry = RealmRegistry.load() if top else None
    for low in range(1, top + 1, CHUNK):
        stmt = (
            sa.select(docs.c.id, docs.c.realm, docs.c.schema, docs.c.title, revisions.c.body)
            .join(
                revisions,
                (revisions.c.document_id == docs.c.id)
                & (revisions.c.revision == docs.c.latest_revision),
            )
            .where(docs.c.id.between(low, low + CHUNK - 1), docs.c.deleted_at.is_(None))
        )
        rows = []
        for doc_id, realm, schema, title, body in bind.execute(stmt):
            try:
                rt = registry.record_type(schema, realm)  # type: ignore[union-attr]
            except UnknownSchema:
                continue
            rows += [
                {"document_id": doc_id, "field": f, "value": v}
                for f, v in sorted(exact_rows(rt, body, title))
            ]
        if rows:
            insert_rows(bind, record_facets, rows)


def downgrade() -> None:
    op.execute("DELETE FROM record_facets WHERE field LIKE '=%' OR field LIKE '~t:%'")
