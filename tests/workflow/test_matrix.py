"""The permission matrix, cell by cell, through the services on both backends:
role x own/other country x action (create, edit, publish, delete) x national/reference record.

Records belong to Kenya (national: a competent national authority) or to the Secretariat
(reference: an organism). "own" actors hold their role for KE, "other" actors for CA."""

from __future__ import annotations

import pytest

from bch.services.errors import Forbidden, Gone, NotFound, Unauthorized
from bch.services.policy import ANONYMOUS
from tests import factories
from tests.accounts.helpers import add_user, kenyan_authority

OK, PUBLISHED, DELETED, REQUESTED = "ok", "published", "deleted", "requested"
DENIED, HIDDEN, ANON = "403", "404", "401"

# (role, side, kind) -> expected outcome of create, edit, publish, delete
_NATIONAL = {
    ("nfp", "own"): (OK, OK, PUBLISHED, DELETED),
    ("nfp", "other"): (DENIED, DENIED, HIDDEN, DENIED),
    ("nau", "own"): (OK, OK, REQUESTED, REQUESTED),
    ("nau", "other"): (DENIED, DENIED, HIDDEN, DENIED),
    ("secretariat", "own"): (DENIED, DENIED, HIDDEN, DENIED),
    ("secretariat", "other"): (DENIED, DENIED, HIDDEN, DENIED),
    ("user", "own"): (DENIED, DENIED, HIDDEN, DENIED),
    ("user", "other"): (DENIED, DENIED, HIDDEN, DENIED),
    ("anonymous", "own"): (ANON, ANON, ANON, ANON),
    ("anonymous", "other"): (ANON, ANON, ANON, ANON),
}
_REFERENCE = {
    ("nfp", "own"): (OK, OK, REQUESTED, REQUESTED),
    ("nfp", "other"): (OK, OK, REQUESTED, REQUESTED),
    ("nau", "own"): (OK, OK, REQUESTED, REQUESTED),
    ("nau", "other"): (OK, OK, REQUESTED, REQUESTED),
    ("secretariat", "own"): (OK, OK, PUBLISHED, DELETED),
    ("secretariat", "other"): (OK, OK, PUBLISHED, DELETED),
    ("user", "own"): (OK, OK, REQUESTED, REQUESTED),
    ("user", "other"): (OK, OK, REQUESTED, REQUESTED),
    ("anonymous", "own"): (ANON, ANON, ANON, ANON),
    ("anonymous", "other"): (ANON, ANON, ANON, ANON),
}
EXPECTED = {
    (role, side, kind): cells
    for kind, table in (("national", _NATIONAL), ("reference", _REFERENCE))
    for (role, side), cells in table.items()
}


def _document(kind: str) -> dict:
    return kenyan_authority() if kind == "national" else factories.organism("Zea mays")


def _actor(svc, role: str, side: str):
    if role == "anonymous":
        return ANONYMOUS
    country = ("KE" if side == "own" else "CA") if role in ("nfp", "nau") else None
    return add_user(svc, f"{role}-{side}@example.org", role, country)


def _outcome(fn) -> str:
    try:
        result = fn()
    except Unauthorized:
        return ANON
    except Forbidden:
        return DENIED
    except NotFound:
        return HIDDEN
    return result


@pytest.mark.parametrize("cell", sorted(EXPECTED), ids=lambda c: "-".join(c))
def test_permission_matrix(services, cell):
    role, side, kind = cell
    svc = services
    # a published record to edit, one to delete, and a draft saved by someone allowed to
    edited = svc.records.publish(_document(kind), by="seed")
    deleted = svc.records.publish(_document(kind), by="seed")
    author = add_user(svc, "author@example.org", "nau", "KE")
    pending = _document(kind)
    pending_id = pending["header"]["identifier"]
    actor = _actor(svc, role, side)
    expected = EXPECTED[cell]

    def create():
        doc = _document(kind)
        svc.drafts.save(actor, doc["header"]["identifier"], doc)
        return OK

    def edit():
        doc = svc.records.get(edited.uid).document
        doc["relevantInformation"] = {"en": "Edited in the matrix test."}
        svc.drafts.save(actor, edited.identifier, doc, if_match=edited.uid)
        return OK

    def publish():
        # the actor's own draft when they may draft; otherwise someone else's draft
        ident = pending_id
        if expected[0] == OK:
            doc = _document(kind)
            ident = doc["header"]["identifier"]
            svc.drafts.save(actor, ident, doc)
        else:
            svc.drafts.save(author, pending_id, pending)
        return svc.workflow.publish_draft(actor, ident, message="matrix").status

    def delete():
        return svc.workflow.delete_record(actor, deleted.uid, reason="matrix test").status

    got = tuple(_outcome(f) for f in (create, edit, publish, delete))
    assert got == expected, f"{cell}: create, edit, publish, delete"

    # side effects match the outcome: published/deleted change the public view, nothing else does
    if expected[3] == DELETED:
        with pytest.raises(Gone):
            svc.records.get(deleted.uid)
    else:
        assert svc.records.get(deleted.uid).revision.revision == 1
    assert svc.records.get(edited.uid).revision.revision == 1  # a draft never changes a record
    with svc.store.reading() as conn:
        public = svc.store.count_documents(conn)
    assert public == 2 + (1 if expected[2] == PUBLISHED else 0)


def test_a_nau_limited_to_decisions_cannot_draft_other_national_records(services):
    nau = add_user(services, "nau-dec@example.org", "nau", "KE", schemas=["biosafetyDecision"])
    law = {
        "header": {
            "identifier": factories.ident("law-ke"),
            "schema": "biosafetyLaw",
            "languages": ["en"],
        },
        "government": {"identifier": "KE"},
        "title": {"en": "Synthetic test law"},
    }
    with pytest.raises(Forbidden):
        services.drafts.save(nau, law["header"]["identifier"], law)
    decision = {
        "header": {
            "identifier": factories.ident("dec-ke"),
            "schema": "biosafetyDecision",
            "languages": ["en"],
        },
        "government": {"identifier": "KE"},
    }
    draft, created = services.drafts.save(nau, decision["header"]["identifier"], decision)
    assert created and draft.owner == "KE"


def test_the_eu_focal_point_publishes_eu_decisions_and_only_those(services):
    eu = add_user(services, "nfp-eu@example.org", "nfp", "EU")
    fr = add_user(services, "nfp-fr@example.org", "nfp", "FR")
    cna = factories.authority("EU")
    draft, _ = services.drafts.save(eu, cna["header"]["identifier"], cna)
    assert services.workflow.publish_draft(eu, draft.identifier).status == PUBLISHED
    other = factories.authority("EU")
    with pytest.raises(Forbidden):
        services.drafts.save(fr, other["header"]["identifier"], other)


def test_a_registered_user_publishes_own_contacts_directly(services):
    user = add_user(services, "contact-author@example.org", "user")
    someone = add_user(services, "someone@example.org", "user")
    contact = {
        "header": {"identifier": factories.ident("con"), "schema": "contact", "languages": ["en"]},
        "type": "person",
        "firstName": "Test",
        "lastName": "Contact (synthetic)",
        "emails": ["contact@example.org"],
    }
    result = services.drafts.check(contact)
    if not result.ok:  # fill whatever the contact type declares as mandatory
        pytest.fail(f"contact fixture incomplete: {result.errors}")
    services.drafts.save(user, contact["header"]["identifier"], contact)
    done = services.workflow.publish_draft(user, contact["header"]["identifier"])
    assert done.status == PUBLISHED
    # someone else's contact goes through the Secretariat
    assert (
        services.workflow.delete_record(someone, done.published.uid, reason="not mine").status
        == REQUESTED
    )
    assert (
        services.workflow.delete_record(user, done.published.uid, reason="moved").status == DELETED
    )


def test_a_read_only_token_cannot_write(services):
    nfp = add_user(services, "ro@example.org", "nfp", "KE")
    from dataclasses import replace

    read_only = replace(nfp, scope="read")
    doc = kenyan_authority()
    with pytest.raises(Forbidden, match="read-only"):
        services.drafts.save(read_only, doc["header"]["identifier"], doc)
