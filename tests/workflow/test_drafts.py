"""Drafts and their edge cases, through the services on both backends: concurrency (If-Match,
a record published meanwhile), identity checks, who sees which draft, discarding."""

from __future__ import annotations

import pytest

from bch.services.drafts import PreconditionRequired
from bch.services.errors import BadRequest, Forbidden, NotFound, PreconditionFailed
from tests import factories
from tests.accounts.helpers import add_user, kenyan_authority


@pytest.fixture
def people(services):
    return {
        "nfp": add_user(services, "nfp@ke.example.org", "nfp", "KE"),
        "nau": add_user(services, "nau@ke.example.org", "nau", "KE"),
        "nau2": add_user(services, "nau2@ke.example.org", "nau", "KE"),
        "ca": add_user(services, "nfp@ca.example.org", "nfp", "CA"),
        "user": add_user(services, "user@example.org", "user"),
        "sec": add_user(services, "sec@example.org", "secretariat"),
    }


def test_a_record_published_meanwhile_makes_the_draft_stale_and_keeps_it(services, people):
    doc = kenyan_authority()
    ident = doc["header"]["identifier"]
    first = services.records.publish(doc, by="seed")
    edit = services.records.get(ident).document
    edit["name"]["en"] = "National Biosafety Authority (draft edit)"
    draft, _ = services.drafts.save(people["nau"], ident, edit, if_match=first.uid)
    assert draft.base_revision == 1
    other = services.records.get(ident).document
    other["name"]["en"] = "National Biosafety Authority (published meanwhile)"
    services.records.publish(other, by="someone")
    with pytest.raises(PreconditionFailed):
        services.workflow.publish_draft(people["nfp"], ident)
    kept = services.drafts.get(people["nau"], ident)
    assert kept.document["name"]["en"].endswith("(draft edit)")
    assert services.records.get(ident).revision.revision == 2
    # a stale If-Match on the record is refused too
    doc2 = kenyan_authority()
    ident2 = doc2["header"]["identifier"]
    p2 = services.records.publish(doc2, by="seed")
    with pytest.raises(PreconditionFailed):
        services.drafts.save(people["nau2"], ident2, doc2, if_match=p2.uid[:-1] + "9")
    with pytest.raises(PreconditionRequired):
        services.drafts.save(people["nau2"], ident2, doc2)
    assert services.drafts.save(people["nau2"], ident2, doc2, if_match=f'W/"{p2.uid}"')[1]


def test_direct_publication_settles_a_pending_request(services, people):
    doc = kenyan_authority()
    ident = doc["header"]["identifier"]
    services.drafts.save(people["nau"], ident, doc)
    req = services.workflow.publish_draft(people["nau"], ident).request
    assert req["state"] == "pending"
    done = services.workflow.publish_draft(people["nfp"], ident)
    assert done.status == "published"
    assert services.workflow.get_request(people["nau"], req["id"])["state"] == "approved"


def test_identity_checks(services, people):
    doc = kenyan_authority()
    ident = doc["header"]["identifier"]
    with pytest.raises(BadRequest, match="identifier"):
        services.drafts.save(people["nfp"], "other-identifier-1", doc)
    with pytest.raises(BadRequest, match="identifier"):
        services.drafts.save(people["nfp"], "bad id!", doc)
    no_gov = dict(doc)
    no_gov.pop("government")
    with pytest.raises(BadRequest) as e:
        services.drafts.save(people["nfp"], ident, no_gov)
    assert e.value.errors[0]["path"] == "government.identifier"
    published = services.records.publish(doc, by="seed")
    moved = services.records.get(ident).document
    moved["government"] = {"identifier": "CA"}
    with pytest.raises(Forbidden):  # KE's focal point may not create for Canada
        services.drafts.save(people["nfp"], ident, moved, if_match=published.uid)
    organism = factories.organism(identifier=ident)
    with pytest.raises(BadRequest, match="authority"):
        services.drafts.save(people["user"], ident, organism)


def test_who_sees_which_draft(services, people):
    ke = kenyan_authority()
    orga = factories.organism()
    services.drafts.save(people["nau"], ke["header"]["identifier"], ke)
    services.drafts.save(people["user"], orga["header"]["identifier"], orga)

    def visible(who):
        return {d.identifier for d in services.drafts.list(people[who])}

    assert visible("nau") == visible("nau2") == visible("nfp") == {ke["header"]["identifier"]}
    assert visible("ca") == set()
    assert visible("user") == {orga["header"]["identifier"]}
    assert visible("sec") == {orga["header"]["identifier"]}  # national drafts are the country's
    with pytest.raises(NotFound):
        services.drafts.get(people["ca"], ke["header"]["identifier"])
    with pytest.raises(NotFound):
        services.drafts.get(people["nau"], orga["header"]["identifier"])
    # someone else's reference draft cannot be overwritten
    with pytest.raises(Forbidden):
        services.drafts.save(people["nau"], orga["header"]["identifier"], orga, if_match="1")
    services.drafts.discard(people["user"], orga["header"]["identifier"])
    assert visible("user") == set()
