"""The order of the v2013 harvesters as an index: records of a schema by updated second, then
identifier (code point order), holding what a harvester's page filters on (realm, deletion), so
the walk of bch.storage.search.positions reads index entries only, in order: no sort, no row.

The expressions are the search dialects' `second_order` and `code_point`
(bch.storage.search.dialect), written exactly as the queries write them. SQLite: a plain index
whose trailing columns cover the filters (SQLite 3.40 covers a query with an expression index
only when the expression's columns are in it). PostgreSQL: partial on live records, the other
columns included (an index-only scan needs them).

Revision ID: 0008_harvester
Revises: 0007_search_engines
"""

from alembic import op

revision = "0008_harvester"
down_revision = "0007_search_engines"
branch_labels = None
depends_on = None

NAME = "ix_documents_v2013_order"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {NAME} ON documents (schema, "
            "date_trunc('second', timezone('UTC', updated_at)), identifier COLLATE \"C\") "
            "INCLUDE (realm, updated_at, id) WHERE deleted_at IS NULL"
        )
        return
    op.execute(
        f"CREATE INDEX {NAME} ON documents (schema, substr(CAST(updated_at AS TEXT), 1, 19), "
        "identifier, realm, updated_at, deleted_at)"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX {NAME}")
