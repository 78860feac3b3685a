"""What a database must hold after any crash (issue 15 item 6), checked with the killed process
gone: the crash tests call `check` after every kill."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator

from sqlalchemy import and_, create_engine, exists, select
from sqlalchemy.pool import NullPool

from bch.services.container import Services
from bch.services.documents import content_hash
from bch.services.search import SearchQuery
from bch.storage.tables import changes, documents, record_facets, revisions, search_tokens

#: an acknowledged write: (identifier, revision, the scientific name the client sent)
Acked = tuple[str, int, str]


def check(url: str, acked: list[Acked]) -> int:
    """The invariants; returns the length of the change sequence.

    * every acknowledged write is there: its revision, with the body the client sent;
    * no half-written record or revision: each revision's body is whole (its stored content
      hash is the hash of the body read back), each record's revisions are 1..latest, each
      revision has exactly one change entry and each change names an existing revision;
    * the change sequence is 1..N, no gap and no duplicate;
    * the search index agrees with the database: exactly the live records have search entries
      (text and facets), and both engines (the bitmap index built from the rows, the SQL
      search over the rows) count exactly the live records of each type."""
    svc = Services.open(url, upgrade=False)
    try:
        with svc.engine.connect() as conn:
            docs = {r.id: r for r in conn.execute(select(documents)).all()}
            bodies = {
                (r.document_id, r.revision): r
                for r in conn.execute(
                    select(
                        revisions.c.document_id,
                        revisions.c.revision,
                        revisions.c.body,
                        revisions.c.hash,
                    )
                ).all()
            }
            ch = conn.execute(
                select(changes.c.seq, changes.c.document_id, changes.c.revision, changes.c.action)
            ).all()
            tokens = [r.document_id for r in conn.execute(select(search_tokens.c.document_id))]
            faceted = {r.document_id for r in conn.execute(select(record_facets.c.document_id))}
        by_identifier = {d.identifier: d for d in docs.values()}
        for ident, revision, name in acked:  # every acknowledged write is there, as sent
            assert ident in by_identifier, f"acknowledged {ident} lost"
            row = bodies.get((by_identifier[ident].id, revision))
            assert row is not None, f"acknowledged {ident} r{revision} lost"
            assert row.body["scientificName"] == name, f"{ident} r{revision}: another body"
        for (doc_id, revision), row in bodies.items():  # whole revisions
            assert content_hash(row.body) == row.hash, (
                f"document {doc_id} r{revision}: half-written"
            )
        numbers: dict[int, list[int]] = {}
        for doc_id, n in sorted(bodies):
            numbers.setdefault(doc_id, []).append(n)
        for d in docs.values():  # revisions 1..latest: none missing, none beyond
            got = numbers.get(d.id, [])
            assert got == list(range(1, d.latest_revision + 1)), f"{d.identifier}: {got}"
        seqs = sorted(c.seq for c in ch)
        assert seqs == list(range(1, len(seqs) + 1)), "gap or duplicate in the change sequence"
        named = [(c.document_id, c.revision) for c in ch if c.action == "publish"]
        assert len(named) == len(set(named)), "a revision with two change entries"
        assert set(named) == set(bodies), "a revision without its change entry, or the reverse"
        live = {i for i, d in docs.items() if d.deleted_at is None}
        assert len(tokens) == len(set(tokens)) and set(tokens) == live, "search text rows"
        assert faceted == live, "search facet rows"
        # per record type: the publish tests write organisms only, an import every type
        counts = Counter(docs[i].schema for i in live)
        sql = svc.configured(BCH_SEARCH_INDEX="off")
        for schema in sorted(counts) or ["organism"]:
            query = SearchQuery(filters={"schema": [schema]}, include_total=True, limit=1)
            assert svc.search.search(query).total == counts[schema], f"bitmap index: {schema}"
            assert sql.search.search(query).total == counts[schema], f"SQL search: {schema}"
        return len(seqs)
    finally:
        svc.close()


@contextlib.contextmanager
def half_committed(url: str) -> Iterator[Callable[[], bool]]:
    """A probe for the crash tests' `between` kill phase (kill_points.kill_at): does another
    reader see, now, a revision without its change entry or a change entry without its
    revision? Never, when both are written in one transaction; when they are not, the writer is
    then between the two, and a kill there leaves the database torn (`check` says so)."""
    publish = and_(
        changes.c.document_id == revisions.c.document_id,
        changes.c.revision == revisions.c.revision,
        changes.c.action == "publish",
    )
    query = select(
        exists(select(revisions.c.revision).where(~exists(select(changes.c.seq).where(publish))))
        | exists(
            select(changes.c.seq).where(
                changes.c.action == "publish", ~exists(select(revisions.c.revision).where(publish))
            )
        )
    )
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:  # one connection; each look a transaction of its own

            def torn() -> bool:
                try:
                    return bool(conn.execute(query).scalar())
                finally:
                    conn.rollback()  # no snapshot held between looks (nor a WAL kept whole)

            yield torn
    finally:
        engine.dispose()
