"""Dumps with derived rows (issue 12 performance: a node bootstraps a million records in
minutes): what they carry, the fingerprint of what derives the rows, and a node's revision made
of a dump line's rows instead of deriving them again.

A record's derived rows (display title, links, LMO UID keys, facet rows, per-language texts,
search index entries) are a pure function of its document, the records it borrows from (the
LMOs and organisms it names), the record type definitions, the thesaurus and vocabularies, and
the code that derives them (bch.services.documents, facets, linked_index, richtext;
bch.storage.text_tokens and search_index, with the stemmer). The fingerprint hashes all of
those that are not data: two installations with the same fingerprint derive the same rows from
the same records, so a node whose fingerprint matches the central's inserts the central's rows
as they are; any difference (another version, a changed vocabulary) and it derives them itself.
Format: docs/API.md, "Dumps with derived rows"."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata, resources
from itertools import chain
from typing import Any

from bch.records.fields import RecordType
from bch.services import documents as derive
from bch.storage.rows import NewRevision

VERSION = 1  # the line format of a dump with derived rows (`_meta.derived.version`)

# the code that derives the rows (module files, hashed as bytes)
CODE = (
    ("bch.services", "documents.py"),
    ("bch.services", "facets.py"),
    ("bch.services", "linked_index.py"),
    ("bch.services", "richtext.py"),
    ("bch.services", "derived_dump.py"),
    ("bch.storage", "text_tokens.py"),
    ("bch.storage", "search_index.py"),
    ("bch.records", "oecd_uid.py"),
    ("bch.records", "languages.py"),
    ("bch.records", "thesaurus.py"),
    ("bch.records", "fields.py"),
    ("bch.records", "countries.py"),
    ("bch.records", "un_regions.json"),
)
DATA = (("bch.records", "definitions"), ("bch.records", "vocabularies"))  # every file in them
LIBRARIES = ("PyStemmer", "nh3")  # the tokenizer's stemmer, the rich-text sanitiser


@cache
def fingerprint() -> str:
    """sha256 (hex) of the deriving code, the record type definitions, the thesaurus and
    vocabularies, and the versions of the libraries the tokenizer uses. Computed once per
    process."""
    h = hashlib.sha256(f"derived rows v{VERSION}\n".encode())
    for package, name in CODE:
        h.update(f"{package}/{name}\n".encode())
        h.update(resources.files(package).joinpath(name).read_bytes())
    for package, folder in DATA:
        root = resources.files(package).joinpath(folder)
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if entry.is_file():
                h.update(f"{package}/{folder}/{entry.name}\n".encode())
                h.update(entry.read_bytes())
    for library in LIBRARIES:
        h.update(f"{library}=={_version(library)}\n".encode())
    return h.hexdigest()


def _version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "absent"


def meta() -> dict[str, Any]:
    """`_meta.derived` of a dump with derived rows."""
    return {"version": VERSION, "fingerprint": fingerprint()}


def matches(dump_meta: Any) -> str | None:
    """None when a dump's `_meta` says its derived rows are what this node would derive; else
    why not (for `bch node status` and the log)."""
    derived = dump_meta.get("derived") if isinstance(dump_meta, dict) else None
    if not isinstance(derived, dict):
        return "the dump carries no derived rows"
    if derived.get("version") != VERSION:
        return f"derived rows of format {derived.get('version')!r}, this node reads {VERSION}"
    theirs = derived.get("fingerprint")
    if theirs != fingerprint():
        return (
            f"fingerprint differs (central {str(theirs)[:12]}, node {fingerprint()[:12]}): "
            "another version, definitions or vocabularies"
        )
    return None


def rows_of(item: dict[str, Any]) -> dict[str, Any] | None:
    """A dump line's derived rows, checked; None when it has none to use (a record the central
    never indexed: the node derives it) or they are malformed."""
    rows = item.get("derived")
    if not isinstance(rows, dict):
        return None
    if not isinstance(rows.get("words"), str) or not isinstance(rows.get("titleWords"), str):
        return None
    ok = (
        isinstance(rows.get("title"), dict)
        and isinstance(rows.get("texts"), dict)
        and _pairs(rows.get("facets") or [])
        and _pairs(rows.get("lmoKeys") or [])
        and _rows(rows.get("links") or [], 3)
    )
    return rows if ok else None


# checked with map() and set(): a decision carries ~13 facet rows, a million records 13 million
def _rows(rows: Any, width: int) -> bool:
    """A list of lists of `width` values."""
    return (
        isinstance(rows, list) and set(map(type, rows)) <= {list} and set(map(len, rows)) <= {width}
    )


def _pairs(rows: Any) -> bool:
    """A list of [string, string]."""
    return _rows(rows, 2) and set(map(type, chain.from_iterable(rows))) <= {str}


def revision(
    rt: RecordType, document: dict[str, Any], owner: str, by: str, rows: dict[str, Any]
) -> NewRevision:
    """The node's new revision of a central's record with the central's derived rows (the
    content hash is the node's own: of the document as the node stores it)."""
    return NewRevision(
        identifier=document["header"]["identifier"],
        realm=rt.realm,
        schema=rt.name,
        short_code=rt.short_code,
        owner=owner,
        title=rows["title"],
        body=document,
        hash=derive.content_hash(document),
        by=by,
        warnings=[],
        links=list(map(tuple, rows.get("links") or [])),
        lmo_keys=list(map(tuple, rows.get("lmoKeys") or [])),
        facets=list(map(tuple, rows.get("facets") or [])),
        texts=rows["texts"],
        index=(rows["words"], rows["titleWords"]),
    )
