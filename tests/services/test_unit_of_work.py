"""The unit of work runs side effects after commit (services/unit_of_work.py, events.py):
subscribers see the events of a write only once it has committed, never those of a write that
failed or was rolled back, and a failing subscriber never undoes the write. On both backends."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bch.services.errors import NotFound, ValidationFailed
from bch.services.events import Event, RecordEvent, RequestEvent
from tests import factories
from tests.accounts.helpers import add_user, kenyan_authority


class Seen:
    """A subscriber that notes each event and whether its write was visible to a new reader
    (i.e. committed) when the event arrived."""

    def __init__(self, services):
        self.services = services
        self.events: list[Event] = []
        self.committed: list[bool] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, RecordEvent) and event.action == "publish":
            try:
                self.services.records.get(event.uid)  # its own read connection
                self.committed.append(True)
            except NotFound:
                self.committed.append(False)


@pytest.fixture
def seen(services) -> Iterator[Seen]:
    subscriber = Seen(services)
    services.events.subscribe(subscriber)
    yield subscriber
    services.events.unsubscribe(subscriber)  # the PostgreSQL services object is shared


class Refused(Exception):
    pass


def test_subscribers_see_a_write_only_after_its_commit(services, seen):
    doc = factories.organism("Zea mays")
    with services.uow():
        published = services.records.publish(doc, by="test")  # joins the open unit of work
        services.records.publish(factories.organism("Oryza sativa"), by="test")
        assert seen.events == []  # not committed yet: nothing was handed out
    assert [(e.action, e.uid) for e in seen.events][0] == ("publish", published.uid)
    assert len(seen.events) == 2
    assert seen.committed == [True, True]  # each subscriber call could read the record


def test_a_rolled_back_write_runs_no_subscriber(services, seen):
    doc = factories.organism("Zea mays")
    with pytest.raises(Refused), services.uow():
        services.records.publish(doc, by="test")
        raise Refused
    with pytest.raises(NotFound):
        services.records.get(doc["header"]["identifier"])
    bad = factories.organism("Oryza sativa")
    del bad["scientificName"]
    with pytest.raises(ValidationFailed):  # a write that fails
        services.records.publish_many([factories.organism("Glycine max"), bad], by="test")
    assert seen.events == []
    services.records.publish(doc, by="test")
    assert [e.action for e in seen.events] == ["publish"]


def test_a_failing_subscriber_does_not_undo_the_write(services, seen, caplog):
    def broken(event: Event) -> None:
        raise RuntimeError("the mail server is on fire")

    services.events.unsubscribe(seen)
    services.events.subscribe(broken)  # runs first
    services.events.subscribe(seen)
    try:
        with caplog.at_level(logging.ERROR, logger="bch.events"):
            published = services.records.publish(factories.organism("Zea mays"), by="test")
    finally:
        services.events.unsubscribe(broken)
    assert services.records.get(published.uid).revision.revision == 1  # committed and kept
    assert [e.action for e in seen.events] == ["publish"]  # the next subscriber still ran
    assert "the mail server is on fire" in caplog.text


def test_subscribers_choose_event_types(services):
    requests: list[Event] = []
    services.events.subscribe(requests.append, RequestEvent)
    try:
        services.records.publish(factories.organism("Zea mays"), by="test")
    finally:
        services.events.unsubscribe(requests.append)
    assert requests == []


def test_workflow_records_request_events_after_commit(services, seen):
    nau = add_user(services, "nau@ke.example.org", "nau", "KE")
    nfp = add_user(services, "nfp@ke.example.org", "nfp", "KE")
    doc = kenyan_authority()
    ident = doc["header"]["identifier"]
    services.drafts.save(nau, ident, doc)
    request = services.workflow.publish_draft(nau, ident, message="please").request
    opened = [e for e in seen.events if isinstance(e, RequestEvent)]
    assert [(e.action, e.request_id, e.note) for e in opened] == [
        ("opened", request["id"], "please")
    ]
    services.workflow.approve(nfp, request["id"], comment="fine")
    kinds = [(type(e).__name__, e.action) for e in seen.events]
    assert kinds[1:] == [("RecordEvent", "publish"), ("RequestEvent", "approved")]
    assert seen.committed == [True]


def test_a_failing_workflow_subscriber_keeps_the_decision(services):
    nau = add_user(services, "nau@ke.example.org", "nau", "KE")
    nfp = add_user(services, "nfp@ke.example.org", "nfp", "KE")
    doc = kenyan_authority()
    ident = doc["header"]["identifier"]
    services.drafts.save(nau, ident, doc)
    request = services.workflow.publish_draft(nau, ident).request

    def broken(event: Event) -> None:
        raise RuntimeError("no mail today")

    services.events.subscribe(broken, RequestEvent)
    try:
        decided = services.workflow.reject(nfp, request["id"], reason="incomplete")
    finally:
        services.events.unsubscribe(broken)
    assert decided["state"] == "rejected"
    assert services.workflow.get_request(nau, request["id"])["state"] == "rejected"
