"""One tokenizer for both search engines: `search_tokens` holds each record's search index
entries (bch.storage.text_tokens), which the bitmap index loads and the database matches
verbatim: SQLite in the FTS5 table `search_tokens_fts` (the `ascii` tokenizer splits at spaces
only: entries are lower-cased and folded already), PostgreSQL in the generated tsvector columns
`words_tsv` and `title_tsv` (`array_to_tsvector`: no parser, no stemming, no stop words).

Before, the SQL engine matched the per-language texts with the databases' own tokenizers (FTS5
Porter / unicode61, PostgreSQL's text search configurations with their stop words), which split,
stem and fold words differently from the bitmap index: the two engines disagreed (issue 10).
Those full-text indexes (`search_fts_en`, `search_fts_intl`; `search_texts.tsv`) are dropped:
nothing reads them any more. The entries of existing records are computed here from their texts
and titles.

Revision ID: 0007_search_engines
Revises: 0006_search_contract
"""

import sqlalchemy as sa
from alembic import op

from bch.storage.text_tokens import document_entries, entry_line, title_tokens

revision = "0007_search_engines"
down_revision = "0006_search_contract"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
CHUNK = 5_000
FTS = "search_tokens_fts"
SEP = "\x1f"  # bch.storage.text_tokens.SEP: a token character of the FTS5 tokenizer
PG_CONFIGS = {"ar": "arabic", "en": "english", "es": "spanish", "fr": "french", "ru": "russian"}


def upgrade() -> None:
    op.create_table(
        "search_tokens",
        sa.Column("document_id", BigId, nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name="pk_search_tokens"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_search_tokens_document_id_documents"
        ),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_texts_tsv")
        op.execute("ALTER TABLE search_texts DROP COLUMN IF EXISTS tsv")
        _backfill(bind)
        for column in ("words", "title"):
            op.execute(
                f"ALTER TABLE search_tokens ADD COLUMN {column}_tsv tsvector GENERATED ALWAYS AS "
                f"(array_to_tsvector(string_to_array({column}, ' '))) STORED"
            )
            op.execute(
                f"CREATE INDEX ix_search_tokens_{column}_tsv ON search_tokens "
                f"USING gin ({column}_tsv)"
            )
        return
    for name in ("search_fts_en", "search_fts_intl"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}_ai")
        op.execute(f"DROP TRIGGER IF EXISTS {name}_ad")
        op.execute(f"DROP TABLE IF EXISTS {name}")
    _backfill(bind)
    op.execute(
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(words, title, content='search_tokens', "
        f"content_rowid='document_id', tokenize=\"ascii tokenchars '_{SEP}'\")"
    )
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    op.execute(
        f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON search_tokens BEGIN "
        f"INSERT INTO {FTS}(rowid, words, title) VALUES (new.document_id, new.words, new.title); "
        "END"
    )
    op.execute(
        f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON search_tokens BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, words, title) "
        "VALUES ('delete', old.document_id, old.words, old.title); END"
    )


def _backfill(bind) -> None:
    """The entries of every live record, from its texts and display title."""
    docs = sa.table(
        "documents", sa.column("id"), sa.column("title", sa.JSON), sa.column("deleted_at")
    )
    texts = sa.table(
        "search_texts", sa.column("document_id"), sa.column("lang"), sa.column("content")
    )
    tokens = sa.table(
        "search_tokens", sa.column("document_id"), sa.column("words"), sa.column("title")
    )
    top = bind.execute(sa.select(sa.func.coalesce(sa.func.max(docs.c.id), 0))).scalar_one()
    for low in range(1, top + 1, CHUNK):
        high = low + CHUNK - 1
        titles = dict(
            bind.execute(
                sa.select(docs.c.id, docs.c.title).where(
                    docs.c.id.between(low, high), docs.c.deleted_at.is_(None)
                )
            ).all()
        )
        by_doc: dict[int, dict[str, str]] = {}
        for doc_id, lang, content in bind.execute(
            sa.select(texts.c.document_id, texts.c.lang, texts.c.content).where(
                texts.c.document_id.between(low, high)
            )
        ):
            by_doc.setdefault(doc_id, {})[lang] = content
        rows = [
            {
                "document_id": doc_id,
                "words": entry_line(document_entries(by_doc.get(doc_id, {}))),
                "title": entry_line(title_tokens(title)),
            }
            for doc_id, title in titles.items()
        ]
        if rows:
            bind.execute(sa.insert(tokens), rows)


def downgrade() -> None:
    """The per-language full-text indexes come back, rebuilt from search_texts."""
    if op.get_bind().dialect.name == "postgresql":
        cases = " ".join(
            f"WHEN '{lang}' THEN to_tsvector('{cfg}', content)" for lang, cfg in PG_CONFIGS.items()
        )
        op.execute(
            "ALTER TABLE search_texts ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
            f"(CASE lang {cases} ELSE to_tsvector('simple', content) END) STORED"
        )
        op.execute("CREATE INDEX ix_search_texts_tsv ON search_texts USING gin (tsv)")
        op.drop_table("search_tokens")
        return
    for trigger in (f"{FTS}_ai", f"{FTS}_ad"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute(f"DROP TABLE IF EXISTS {FTS}")
    op.drop_table("search_tokens")
    for name, tokenizer, where in (
        ("search_fts_en", "porter unicode61 remove_diacritics 2", "lang = 'en'"),
        ("search_fts_intl", "unicode61 remove_diacritics 2", "lang <> 'en'"),
    ):
        op.execute(
            f"CREATE VIRTUAL TABLE {name} USING fts5(content, content='search_texts', "
            f"content_rowid='id', tokenize='{tokenizer}')"
        )
        op.execute(
            f"INSERT INTO {name}(rowid, content) SELECT id, content FROM search_texts WHERE {where}"
        )
        op.execute(
            f"CREATE TRIGGER {name}_ai AFTER INSERT ON search_texts WHEN new.{where} BEGIN "
            f"INSERT INTO {name}(rowid, content) VALUES (new.id, new.content); END"
        )
        op.execute(
            f"CREATE TRIGGER {name}_ad AFTER DELETE ON search_texts WHEN old.{where} BEGIN "
            f"INSERT INTO {name}({name}, rowid, content) VALUES ('delete', old.id, old.content); "
            "END"
        )
