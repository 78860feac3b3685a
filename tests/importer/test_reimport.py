"""Re-importing over a database loaded by the previous importer (issue 16): the records merged as
duplicates are tombstoned, and a second import changes nothing (SQLite and PostgreSQL). On the
shipped data's sample with the two merged records in it (tests/shipped_sample.py), all of it
under BCH_TEST_FULL=1."""

from __future__ import annotations

import copy

from bch.importer.run import IMPORT_USER, import_shipped
from bch.importer.shapes import document
from tests.shipped_sample import importing_sample


def _merged(doc: dict) -> bool:
    """The records the two old ones below were merged into."""
    return (
        doc["header"]["schema"] == "modifiedOrganism"
        and doc.get("transformationEvent") == "Bt Brinjal Event EE1"
    ) or (doc["header"]["schema"] == "dnaSequence" and doc.get("abbreviation") == "cry1F")


def test_merged_duplicates_are_tombstoned_then_nothing_changes(services):
    svc = services
    with importing_sample(also=_merged) as plan:
        import_shipped(svc)  # the shipped data, as the previous version loaded it
    # what the previous version published for the ISAAA 2023 row "Event EE1" (the same event as
    # ISAAA 2019 "Bt Brinjal Event EE1") and for the cry1Fa2 spelling of cry1F: records under
    # their old natural keys, built from the plan's own documents (nothing invented)
    brinjal = next(
        d
        for d in plan.documents
        if d["header"]["schema"] == "modifiedOrganism"
        and d.get("transformationEvent") == "Bt Brinjal Event EE1"
    )
    cry1f = next(
        d
        for d in plan.documents
        if d["header"]["schema"] == "dnaSequence" and d.get("abbreviation") == "cry1F"
    )
    old = []
    for doc, kind, key in (
        (brinjal, "modifiedOrganism", "event:Event EE1"),
        (cry1f, "dnaSequence", "cry1fa2"),
    ):
        previous = copy.deepcopy(doc)
        previous["header"]["identifier"] = document(kind, key)["header"]["identifier"]
        old.append(previous["header"]["identifier"])
    retired = {ident for _, ident, _ in plan.retired}
    assert set(old) <= retired
    with svc.records.batch(by=IMPORT_USER) as batch:
        for doc, ident in zip((brinjal, cry1f), old, strict=True):
            previous = copy.deepcopy(doc)
            previous["header"]["identifier"] = ident
            batch.publish(previous, strict=False)

    with importing_sample(also=_merged):
        first = import_shipped(svc)
    assert first is not None and first.changed
    assert first.retired == {"modifiedOrganism": 1, "dnaSequence": 1}
    with svc.store.reading() as conn:
        for ident in old:
            doc = svc.store.document_by_identifier(conn, ident)
            assert doc is not None and doc.deleted_at is not None

    with importing_sample(also=_merged):
        second = import_shipped(svc)
    assert second is not None and not second.changed
    assert sum(second.published.values()) == 0 and not second.retired
