"""Storage contract: the same behaviour on SQLite and PostgreSQL (the `services` fixture runs each
test on both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bch.records.identifiers import parse_record_uid
from bch.services.errors import Gone, NotFound, ValidationFailed
from bch.storage.tables import changes, documents, revisions
from tests import factories


def _count(svc, table) -> int:
    with svc.store.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_publish_creates_revision_one_with_a_bch_uid(services):
    result = services.records.publish(factories.organism("Zea mays"))
    uid = parse_record_uid(result.uid)
    assert uid is not None
    assert (uid.realm, uid.short_code, uid.owner, uid.revision) == ("BCH", "ORGA", "SCBD", 1)
    view = services.records.get(result.uid)
    assert view.document["scientificName"] == "Zea mays"
    assert view.doc.title == {"en": "Zea mays"}


def test_identical_publish_makes_no_revision_and_no_change(services):
    doc = factories.organism("Glycine max")
    first = services.records.publish(doc)
    again = services.records.publish(doc)
    assert again.changed is False and again.revision == 1 and again.uid == first.uid
    assert _count(services, revisions) == 1
    assert _count(services, changes) == 1


def test_revisions_are_immutable_and_history_is_kept(services):
    doc = factories.organism("Brassica napus")
    services.records.publish(doc)
    doc2 = {**doc, "commonNames": {"en": "Oilseed rape"}}
    second = services.records.publish(doc2)
    assert second.revision == 2
    _, history = services.records.versions(doc["header"]["identifier"])
    assert [r.revision for r in history] == [1, 2]
    assert "commonNames" not in history[0].body
    base = second.uid.rsplit("-", 1)[0]
    assert "commonNames" not in services.records.get(f"{base}-1").document
    assert services.records.get(base).revision.revision == 2


def test_delete_leaves_a_tombstone_and_keeps_the_data(services):
    doc = factories.organism("Solanum tuberosum")
    published = services.records.publish(doc)
    stone = services.records.delete(published.uid, reason="duplicate of another record")
    assert stone["reason"] == "duplicate of another record" and stone["schema"] == "organism"
    with pytest.raises(Gone) as caught:
        services.records.get(published.uid)
    assert caught.value.extra["tombstone"]["identifier"] == doc["header"]["identifier"]
    assert services.records.list(schema="organism").items == []
    assert _count(services, revisions) == 1  # data never removed
    with services.store.reading() as conn:
        actions = [r.action for r in conn.execute(select(changes).order_by(changes.c.seq))]
    assert actions == ["publish", "delete"]


def test_change_sequence_is_monotonic_one_entry_per_change(services):
    docs = [factories.organism(n) for n in ("Zea mays", "Oryza sativa", "Beta vulgaris")]
    for d in docs:
        services.records.publish(d)
    services.records.publish({**docs[0], "genus": "Zea"})
    services.records.delete(docs[1]["header"]["identifier"], reason="test")
    with services.store.reading() as conn:
        seqs = [r.seq for r in conn.execute(select(changes.c.seq).order_by(changes.c.seq))]
    assert len(seqs) == 5 and seqs == sorted(set(seqs))


def test_invalid_document_is_rejected_with_paths_and_nothing_stored(services):
    bad = factories.organism("Zea mays")
    bad["header"]["languages"] = ["en", "de"]
    bad["commonNames"] = {"fr": "maïs"}
    bad["unknownField"] = 1
    with pytest.raises(ValidationFailed) as caught:
        services.records.publish(bad)
    found = {(e["code"], e["path"]) for e in caught.value.errors}
    assert ("Error.InvalidValue", "header.languages[1]") in found
    assert ("Error.UnspecifiedLocale", "commonNames.fr") in found
    assert ("Error.InvalidProperty", "unknownField") in found
    assert _count(services, documents) == 0 and _count(services, changes) == 0


def test_publish_many_is_all_or_nothing(services):
    good = factories.organism("Zea mays")
    bad = factories.organism("Glycine max")
    del bad["scientificName"]
    with pytest.raises(ValidationFailed):
        services.records.publish_many([good, bad], by="test")
    assert _count(services, documents) == 0


def test_national_records_belong_to_their_government(services):
    doc = factories.authority("CA")
    result = services.records.publish(doc)
    assert result.uid.startswith("BCH-CNA-CA-")
    moved = {**doc, "government": {"identifier": "KE"}}
    with pytest.raises(ValidationFailed) as caught:
        services.records.publish(moved)
    assert caught.value.errors[0]["path"] == "government"
    assert [d.owner for d in services.records.list(country="CA").items] == ["CA"]
    assert services.records.list(country="KE").items == []


def test_unknown_record_is_not_found(services):
    with pytest.raises(NotFound):
        services.records.get("BCH-LMO-SCBD-999999-1")
    with pytest.raises(NotFound):
        services.records.get("no-such-identifier-at-all")


def test_full_text_search_in_several_languages(services):
    services.records.publish(factories.authority("CA"))
    services.records.publish(factories.organism("Zea mays"))
    found = services.records.list(q="inspection aliments").items
    assert [d.schema for d in found] == ["authority"]
    assert [d.schema for d in services.records.list(q="zea").items] == ["organism"]
    assert services.records.list(q="nonexistentword").items == []


def test_cursor_paging_walks_everything_once(services):
    names = [f"Species number{i}" for i in range(23)]
    services.records.publish_many([factories.organism(n) for n in names], by="test")
    seen, cursor = [], None
    while True:
        page = services.records.list(schema="organism", cursor=cursor, limit=5)
        seen.extend(d.identifier for d in page.items)
        if not page.next:
            break
        cursor = page.next
    assert len(seen) == 23 == len(set(seen))


def test_events_fire_after_commit_only(services):
    seen = []
    services.events.subscribe(lambda e: seen.append((e.action, e.schema, e.revision)))
    doc = factories.organism("Zea mays")
    services.records.publish(doc)
    services.records.publish(doc)  # unchanged: no event
    bad = factories.organism("Oryza sativa")
    del bad["scientificName"]
    with pytest.raises(ValidationFailed):
        services.records.publish_many([factories.organism("Glycine max"), bad], by="test")
    services.records.delete(doc["header"]["identifier"], reason="test")
    assert seen == [("publish", "organism", 1), ("delete", "organism", 1)]
