"""The permission matrix, cell by cell, through the services on both backends:
role x own/other country x record kind x action, every cell asserted with its side effects.

Kinds: a national record of Kenya (a competent national authority), a reference record (an
organism), a contact published by the actor themself (self-published), and a contact published by
someone else. "own" actors hold their role for KE, "other" actors for CA.

Actions: create (a draft of a new record), publish (a draft of a new record: the actor's own when
they may draft one, else someone else's), edit (a draft of the published record, with If-Match),
revise (publish that draft: a new revision of the published record), delete, approve (decide a
pending request on a record of the kind)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bch.services.errors import Forbidden, Gone, NotFound, Unauthorized
from bch.services.policy import ANONYMOUS, Principal
from bch.storage.tables import publishing_requests
from tests import factories
from tests.accounts.helpers import add_user, kenyan_authority

OK, PUBLISHED, DELETED, REQUESTED, APPROVED = "ok", "published", "deleted", "requested", "approved"
DENIED, HIDDEN, ANON = "403", "404", "401"
ACTIONS = ("create", "publish", "edit", "revise", "delete", "approve")
ROLES = ("nfp", "nau", "secretariat", "user", "anonymous")
KINDS = ("national", "reference", "own-contact", "other-contact")

_OUTSIDER = (DENIED, HIDDEN, DENIED, HIDDEN, DENIED, DENIED)
_PROPOSER = (OK, REQUESTED, OK, REQUESTED, REQUESTED, DENIED)  # reference records: via requests
_SECRETARIAT = (OK, PUBLISHED, OK, PUBLISHED, DELETED, APPROVED)
_CONTACT_AUTHOR = (OK, PUBLISHED, OK, PUBLISHED, DELETED, DENIED)
# someone else's contact: their draft is theirs; a change to their record goes to the Secretariat
_NOT_THE_AUTHOR = (OK, HIDDEN, OK, REQUESTED, REQUESTED, DENIED)

# (kind, role, side) -> expected outcome of each action in ACTIONS
_BY_KIND = {
    "national": {
        ("nfp", "own"): (OK, PUBLISHED, OK, PUBLISHED, DELETED, APPROVED),
        ("nau", "own"): (OK, REQUESTED, OK, REQUESTED, REQUESTED, DENIED),
        **{(r, s): _OUTSIDER for r in ("nfp", "nau") for s in ("other",)},
        **{(r, s): _OUTSIDER for r in ("secretariat", "user") for s in ("own", "other")},
    },
    "reference": {
        **{(r, s): _PROPOSER for r in ("nfp", "nau", "user") for s in ("own", "other")},
        **{("secretariat", s): _SECRETARIAT for s in ("own", "other")},
    },
    "own-contact": {
        **{(r, s): _CONTACT_AUTHOR for r in ("nfp", "nau", "user") for s in ("own", "other")},
        **{("secretariat", s): _SECRETARIAT for s in ("own", "other")},
    },
    "other-contact": {
        **{(r, s): _NOT_THE_AUTHOR for r in ("nfp", "nau", "user") for s in ("own", "other")},
        **{("secretariat", s): _SECRETARIAT for s in ("own", "other")},
    },
}
EXPECTED = {
    (role, side, kind): _BY_KIND[kind].get((role, side), (ANON,) * len(ACTIONS))
    for kind in KINDS
    for role in ROLES
    for side in ("own", "other")
}


def test_the_matrix_has_every_cell():
    assert len(EXPECTED) == len(ROLES) * 2 * len(KINDS)
    assert all(len(cells) == len(ACTIONS) for cells in EXPECTED.values())


def _new(kind: str) -> dict:
    if kind == "national":
        return kenyan_authority()
    if kind == "reference":
        return factories.organism("Zea mays")
    return factories.contact()


def _actor(svc, role: str, side: str) -> Principal:
    if role == "anonymous":
        return ANONYMOUS
    country = ("KE" if side == "own" else "CA") if role in ("nfp", "nau") else None
    return add_user(svc, f"{role}-{side}@example.org", role, country)


def _outcome(fn) -> str:
    try:
        return fn()
    except Unauthorized:
        return ANON
    except Forbidden:
        return DENIED
    except NotFound:
        return HIDDEN


def _edited(svc, ref: str, by: Principal) -> tuple[str, dict]:
    """A draft of the published record `ref` saved by `by`: (identifier, saved document)."""
    view = svc.records.get(ref)
    doc = view.document
    if doc["header"]["schema"] == "contact":
        doc["lastName"] = f"Changed by {by.email}"
    else:
        doc["relevantInformation"] = {"en": f"Changed by {by.email}."}
    svc.drafts.save(by, view.doc.identifier, doc, if_match=view.uid)
    return view.doc.identifier, doc


@dataclass
class World:
    """The records and people of one cell: published records to edit, delete and decide on."""

    actor: Principal
    author: Principal  # may draft the kind (a Kenyan nau; a registered user for reference kinds)
    edited: str  # identifier of the published record the actor edits and revises
    deleted: str  # identifier of the published record the actor deletes
    pending: dict  # the request the actor decides
    decided: str  # identifier of the record that request is about


def _world(svc, role: str, side: str, kind: str) -> World:
    actor = _actor(svc, role, side)
    nau = add_user(svc, "author@example.org", "nau", "KE")  # also a registered user
    proposer = add_user(svc, "proposer@example.org", "user")
    contact_author = nau if kind == "other-contact" or actor.is_anonymous else actor

    def seed() -> str:
        by = contact_author.email if kind.endswith("contact") else "seed"
        return svc.records.publish(_new(kind), by=by).identifier

    edited, deleted = seed(), seed()
    if kind == "national":  # a Kenyan nau asks to publish a new record
        doc = _new(kind)
        decided = doc["header"]["identifier"]
        svc.drafts.save(nau, decided, doc)
        pending = svc.workflow.publish_draft(nau, decided, message="matrix").request
    elif kind == "reference":  # a registered user proposes a new reference record
        doc = _new(kind)
        decided = doc["header"]["identifier"]
        svc.drafts.save(proposer, decided, doc)
        pending = svc.workflow.publish_draft(proposer, decided, message="matrix").request
    else:  # a registered user proposes a change to the contact
        decided, _ = _edited(svc, seed(), proposer)
        pending = svc.workflow.publish_draft(proposer, decided, message="matrix").request
    assert pending is not None and pending["state"] == "pending"
    return World(actor, nau if kind != "reference" else proposer, edited, deleted, pending, decided)


@pytest.mark.parametrize("cell", sorted(EXPECTED), ids=lambda c: "-".join(c))
def test_permission_matrix(services, cell):
    role, side, kind = cell
    svc = services
    w = _world(svc, role, side, kind)
    expected = dict(zip(ACTIONS, EXPECTED[cell], strict=True))
    new_id = {}

    def create():
        doc = _new(kind)
        svc.drafts.save(w.actor, doc["header"]["identifier"], doc)
        return OK

    def publish():
        doc = _new(kind)
        new_id["publish"] = ident = doc["header"]["identifier"]
        mine = expected["create"] == OK and kind != "other-contact"
        svc.drafts.save(w.actor if mine else w.author, ident, doc)
        return svc.workflow.publish_draft(w.actor, ident, message="matrix").status

    def edit():
        _edited(svc, w.edited, w.actor)
        return OK

    def revise():
        # the actor's draft of the published record when they could save one, else the author's
        if expected["edit"] != OK:
            _edited(svc, w.edited, w.author)
        return svc.workflow.publish_draft(w.actor, w.edited, message="matrix").status

    def delete():
        return svc.workflow.delete_record(w.actor, w.deleted, reason="matrix test").status

    def approve():
        return svc.workflow.approve(w.actor, w.pending["id"])["state"]

    steps = {"create": create, "publish": publish, "edit": edit, "revise": revise}
    steps |= {"delete": delete, "approve": approve}
    got = {action: _outcome(steps[action]) for action in ACTIONS}
    assert got == expected, f"{cell}"

    # side effects follow the outcome: only published/deleted/approved change the public view
    edited = svc.records.get(w.edited)
    if expected["revise"] == PUBLISHED:
        assert edited.revision.revision == 2 and edited.revision.created_by == w.actor.email
    else:
        assert edited.revision.revision == 1
    if expected["delete"] == DELETED:
        with pytest.raises(Gone):
            svc.records.get(w.deleted)
    else:
        assert svc.records.get(w.deleted).revision.revision == 1
    if expected["publish"] == PUBLISHED:
        assert svc.records.get(new_id["publish"]).revision.revision == 1
    else:
        with pytest.raises(NotFound):
            svc.records.get(new_id["publish"])
    with svc.store.reading() as conn:
        state = conn.execute(
            select(publishing_requests.c.state).where(publishing_requests.c.id == w.pending["id"])
        ).scalar_one()
    assert state == ("approved" if expected["approve"] == APPROVED else "pending")
    if kind.endswith("contact"):  # a proposed change to a contact: revision 2 once approved
        revision = svc.records.get(w.decided).revision.revision
        assert revision == (2 if expected["approve"] == APPROVED else 1)
    elif expected["approve"] == APPROVED:
        assert svc.records.get(w.decided).revision.revision == 1
    else:
        with pytest.raises(NotFound):
            svc.records.get(w.decided)


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
    contact = factories.contact()
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


def test_a_deleted_contact_is_revived_by_its_author_only(services):
    author = add_user(services, "author@example.org", "user")
    other = add_user(services, "other@example.org", "user")
    done = services.records.publish(factories.contact(), by=author.email)
    assert services.workflow.delete_record(author, done.uid, reason="moved").status == DELETED
    revived = factories.contact("Revived (synthetic)", identifier=done.identifier)
    services.drafts.save(other, done.identifier, revived)  # a proposal, not a takeover
    assert services.workflow.publish_draft(other, done.identifier).status == REQUESTED
    with pytest.raises(Gone):
        services.records.get(done.identifier)


def test_an_imported_contact_is_changed_through_the_secretariat(services):
    """A contact whose revision 1 no account published (imported data) has no author to
    publish directly: a change is a request, even from its first editor."""
    user = add_user(services, "user@example.org", "user")
    changed, deleted = (
        services.records.publish(factories.contact(), by="import:test") for _ in "ab"
    )
    view = services.records.get(changed.identifier)
    doc = view.document | {"lastName": "Changed (synthetic)"}
    services.drafts.save(user, changed.identifier, doc, if_match=view.uid)
    assert services.workflow.publish_draft(user, changed.identifier).status == REQUESTED
    assert services.workflow.delete_record(user, deleted.identifier, reason="x").status == REQUESTED
