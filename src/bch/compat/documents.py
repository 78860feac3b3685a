"""CBD v2013 shapes of records (body, info envelope, versions), thesaurus terms and countries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bch.compat.bch_shapes import to_bch
from bch.compat.index_fields import solr_date
from bch.records.countries import Country, countries, country
from bch.records.identifiers import REFERENCE_OWNER
from bch.records.thesaurus import Domain, Term
from bch.services.errors import NotFound
from bch.services.policy import public_actor
from bch.storage.rows import DocumentRow, RevisionRow

if TYPE_CHECKING:
    from bch.services.container import Services


def _user(by: str) -> dict[str, Any]:
    """Who acted: we know the account label only (no CBD user profile fields)."""
    return {"userID": None, "displayName": public_actor(by)}


def info(
    svc: Services, doc: DocumentRow, rev: RevisionRow, first: RevisionRow, body: dict[str, Any]
) -> dict[str, Any]:
    """The ``/info`` envelope of one revision (body already redacted)."""
    government = None if doc.owner == REFERENCE_OWNER else doc.owner.lower()
    summary = body.get("description") if isinstance(body.get("description"), dict) else None
    return {
        "documentID": doc.id,
        "identifier": doc.identifier,
        "uniqueIdentifier": f"{doc.uid_base}-{rev.revision}".lower(),
        "realm": doc.realm,
        "type": doc.schema,
        "header": body.get("header"),
        "metadata": {"schema": doc.schema, "government": government, "realms": [doc.realm]},
        "title": dict(doc.title),
        "summary": dict(summary) if summary else None,
        "createdOn": solr_date(first.created_at),
        "createdBy": _user(first.created_by),
        "submittedOn": solr_date(rev.created_at),
        "submittedBy": _user(rev.created_by),
        "updatedOn": solr_date(rev.created_at),
        "updatedBy": _user(rev.created_by),
        "revision": rev.revision,
        "latestRevision": doc.latest_revision,
        "body": body,
    }


def record(svc: Services, ref: str, revision: int | None) -> tuple[DocumentRow, RevisionRow, dict]:
    """A revision's body in the BCH's shapes (compat/bch_shapes.py)."""
    view = svc.records.get(ref, revision, with_links=False)
    return view.doc, view.revision, to_bch(view.document)


def record_info(svc: Services, ref: str, revision: int | None) -> dict[str, Any]:
    doc, rev, body = record(svc, ref, revision)
    _doc, history = svc.records.versions(doc.identifier)
    return info(svc, doc, rev, history[0], body)


def versions(svc: Services, ref: str) -> list[dict[str, Any]]:
    """Every revision's envelope, without bodies (newest last)."""
    doc, history = svc.records.versions(ref)
    if doc.deleted_at is not None:
        svc.records.get(ref)  # raises Gone with the tombstone
    out = []
    for rev in history:
        envelope = info(svc, doc, rev, history[0], {"header": rev.body.get("header")})
        envelope.pop("body")
        out.append(envelope)
    return out


# -- thesaurus -------------------------------------------------------------------------------
def term_json(t: Term) -> dict[str, Any]:
    return {**t.to_api(), "description": None, "longDescription": None, "source": None}


def domain_json(d: Domain) -> dict[str, Any]:
    return {"identifier": d.identifier, "name": d.name, "title": dict(d.title)}


def domain(svc: Services, name: str) -> Domain:
    d = svc.thesaurus.domain(name)
    if d is None:
        raise NotFound(f"no thesaurus domain {name!r}")
    return d


def term(svc: Services, identifier: str) -> dict[str, Any]:
    t = svc.thesaurus.term(identifier)
    if t is None:
        raise NotFound(f"no thesaurus term {identifier!r}")
    return term_json(t)


# -- countries -------------------------------------------------------------------------------
def country_json(c: Country) -> dict[str, Any]:
    # Treaty (party) status is not shipped: no authoritative source yet, so nothing is claimed.
    return {"code": c.code, "name": dict(c.name), "treaties": {}}


def all_countries() -> list[dict[str, Any]]:
    return [country_json(c) for c in countries()]


def one_country(code: str) -> dict[str, Any]:
    c = country(code)
    if c is None:
        raise NotFound(f"no country {code!r} (upper-case ISO 3166-1 alpha-2)")
    return country_json(c)
