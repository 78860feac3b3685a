"""Former home of the record store, kept only for the modules that still import these names
from here (the search engines and the v2013 surface, which are being moved to the search
contract in parallel: tests/test_layers.py names them). New code imports from
bch.storage.rows (row types and helpers) and bch.storage.records (RecordRepository).
Delete this module when nothing imports it."""

from __future__ import annotations

from bch.storage.records import RecordRepository
from bch.storage.rows import DocumentRow, NewRevision, RevisionRow, iso_utc, utcnow
from bch.storage.rows import as_utc as _as_utc
from bch.storage.rows import document_from as _doc_from
from bch.storage.rows import document_row as _doc

RecordStore = RecordRepository

__all__ = [
    "DocumentRow",
    "NewRevision",
    "RecordStore",
    "RevisionRow",
    "_as_utc",
    "_doc",
    "_doc_from",
    "iso_utc",
    "utcnow",
]
