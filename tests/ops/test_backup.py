"""`bch backup` / `bch restore` (issue 15 item 7): a round trip compared record by record on both
databases, with writes going on during the backup; a non-empty database is refused; a damaged
archive is refused before anything is written."""

from __future__ import annotations

import io
import tarfile
import threading

import pytest
from sqlalchemy import select, text

from bch.services.container import Services
from bch.services.errors import BadRequest, Conflict
from bch.storage.tables import changes, metadata, revisions
from tests import factories
from tests.ops.upgrade_fixture import PDF, populate


def _table_rows(svc: Services) -> dict[str, list[tuple]]:
    out = {}
    with svc.engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [
                tuple(_plain(v) for v in row)
                for row in conn.execute(select(table).order_by(*order))
            ]
    return out


def _plain(value):
    """Timestamps compared as UTC instants (SQLite returns them without their zone)."""
    from datetime import UTC, datetime

    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


def test_round_trip_record_by_record(services, target_url, tmp_path):
    populate(services)
    archive = tmp_path / "bch.tar"
    report = services.backup.backup(archive)
    assert report.manifest["counts"]["users"] == 1
    assert report.manifest["blobs"] == 1

    target = Services.open(target_url, upgrade=False)
    try:
        restored = target.backup.restore(archive)
        assert restored.rows == report.rows
        assert _table_rows(target) == _table_rows(services)
        # the search indexes, left out while the rows were written, are whole again
        assert _search_objects(target) == _search_objects(services)
        _assert_full_text_agrees(target)
        # the attachment's bytes came back
        assert (target.attachments.files.directory / _only_blob(target)).read_bytes() == PDF
        # the restored database goes on: the next change takes the next number, no clash
        head = report.manifest["changeSequence"]
        target.records.publish(factories.organism("Triticum aestivum"))
        with target.engine.connect() as conn:
            seqs = list(conn.execute(select(changes.c.seq).order_by(changes.c.seq)).scalars())
        assert seqs == list(range(1, head + 2))
    finally:
        target.close()


def _search_objects(svc: Services) -> set[tuple]:
    """SQLite: every trigger, index and table with its SQL; PostgreSQL: every index and every
    enabled trigger (restore drops or disables them while it writes the rows)."""
    with svc.engine.connect() as conn:
        if svc.db.name == "sqlite":
            found = conn.execute(
                text("SELECT type, name, sql FROM sqlite_master WHERE name <> 'alembic_version'")
            )
        else:
            found = conn.execute(
                text(
                    "SELECT 'index', indexname, indexdef FROM pg_indexes "
                    "WHERE schemaname = current_schema() UNION ALL "
                    "SELECT 'trigger', tgname, tgenabled::text FROM pg_trigger "
                    "WHERE NOT tgisinternal"
                )
            )
        return {tuple(row) for row in found}


def _assert_full_text_agrees(svc: Services) -> None:
    """Each record's own search words find it through the database's full-text index."""
    with svc.engine.connect() as conn:
        entries = conn.execute(text("SELECT document_id, words FROM search_tokens")).all()
        assert entries
        for document_id, words in entries:
            word = words.split(" ")[-1]  # not split(): \x1f, inside entries, is whitespace
            if svc.db.name == "sqlite":
                conn.execute(
                    text(
                        "INSERT INTO search_tokens_fts(search_tokens_fts, rank) "
                        "VALUES ('integrity-check', 1)"
                    )
                )
                found = conn.execute(
                    text("SELECT rowid FROM search_tokens_fts WHERE search_tokens_fts MATCH :q"),
                    {"q": f'words:"{word}"'},
                ).scalars()
            else:
                found = conn.execute(
                    text(
                        "SELECT document_id FROM search_tokens "
                        "WHERE words_tsv @@ array_to_tsvector(ARRAY[:w])::text::tsquery"
                    ),
                    {"w": word},
                ).scalars()
            assert document_id in set(found), (document_id, word)


def _only_blob(svc: Services) -> str:
    from bch.storage.tables import attachment_blobs

    with svc.engine.connect() as conn:
        (sha,) = conn.execute(select(attachment_blobs.c.sha256)).scalars()
    return sha


def test_backup_is_one_snapshot_while_writes_go_on(services, target_url, tmp_path):
    populate(services)
    stop = threading.Event()
    written: list[int] = []

    def writer():
        while not stop.is_set():
            services.records.publish(factories.organism("Zea mays"))
            written.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            stop.wait(0.01)
        archive = tmp_path / "during.tar"
        report = services.backup.backup(archive)
        after = len(written)
        while len(written) < after + 2:
            stop.wait(0.01)  # the writer goes on after the snapshot
    finally:
        stop.set()
        thread.join()
    head = report.manifest["changeSequence"]
    target = Services.open(target_url, upgrade=False)
    try:
        target.backup.restore(archive)
        source, copy = _table_rows(services), _table_rows(target)
    finally:
        target.close()
    # exactly the state of one moment: the changes up to the head, and the revisions they name
    assert copy["changes"] == [c for c in source["changes"] if c[0] <= head]
    assert [c[0] for c in copy["changes"]] == list(range(1, head + 1))
    named = {(c[1], c[2]) for c in copy["changes"]}
    rev_key = [revisions.c.document_id.name, revisions.c.revision.name]
    cols = [c.name for c in revisions.columns]
    at = [cols.index(k) for k in rev_key]
    assert {(r[at[0]], r[at[1]]) for r in copy["revisions"]} == named
    assert copy["revisions"] == [r for r in source["revisions"] if (r[at[0]], r[at[1]]) in named]
    assert copy["users"] == source["users"]
    assert len(source["changes"]) > head  # writes did go on after the snapshot


def test_a_database_with_rows_is_refused_unless_forced(services, tmp_path):
    populate(services)
    archive = tmp_path / "bch.tar"
    services.backup.backup(archive)
    with pytest.raises(Conflict, match="not empty"):
        services.backup.restore(archive)
    before = _table_rows(services)
    services.records.publish(factories.organism("Hordeum vulgare"))
    services.backup.restore(archive, force=True)
    assert _table_rows(services) == before


def test_a_damaged_archive_is_refused_and_nothing_written(services, target_url, tmp_path):
    populate(services)
    archive = tmp_path / "bch.tar"
    services.backup.backup(archive)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "tables/documents.ndjson.gz":
                data = data[:-8] + b"\0" * 8
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    target = Services.open(target_url, upgrade=False)
    try:
        with pytest.raises(BadRequest, match="documents.ndjson.gz does not match"):
            target.backup.restore(damaged)
        with pytest.raises(BadRequest, match="not a bch backup"):
            target.backup.restore(tmp_path / "nothing.tar")
        from bch.storage import migrate

        assert migrate.current_revisions(target.engine) == set()  # nothing was written
    finally:
        target.close()
