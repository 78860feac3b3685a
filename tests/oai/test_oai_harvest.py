"""A real OAI-PMH harvester (Sickle, from PyPI) harvests the whole repository over HTTP from a
real uvicorn server: the shipped real data plus a planted deletion, on both backends."""

from __future__ import annotations

import pytest
from sickle import Sickle
from sickle.oaiexceptions import IdDoesNotExist, NoRecordsMatch

from tests.oai.live import live_server


@pytest.fixture
def harvested(loaded_copy):
    services = loaded_copy
    victim = services.records.list(schema="modifiedOrganism", limit=1).items[0]
    services.records.delete(victim.identifier, reason="withdrawn by the developer (test)")
    with services.store.reading() as conn:
        expected = services.store.count_documents(conn)
    with live_server(services) as base:
        yield services, Sickle(f"{base}/oai", max_retries=0), victim, expected


def test_sickle_harvests_everything_including_the_deletion(harvested):
    svc, sickle, victim, expected = harvested
    records = list(sickle.ListRecords(metadataPrefix="bch", ignore_deleted=False))
    ids = [r.header.identifier for r in records]
    assert len(ids) == len(set(ids)) == expected  # every record once, across resumption tokens
    deleted = [r for r in records if r.header.deleted]
    assert [r.header.identifier.rsplit(":", 1)[1] for r in deleted] == [victim.uid_base]
    assert not hasattr(deleted[0], "metadata")  # a tombstone carries no metadata
    live = [r for r in records if not r.header.deleted]
    mon810 = [r for r in live if "MON810" in r.metadata.get("transformationEvent", [])]
    assert len(mon810) == 1
    assert "schema:modifiedOrganism" in mon810[0].header.setSpecs
    # the same server, other verbs and format
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False))
    assert len(headers) == expected
    decisions = list(sickle.ListRecords(metadataPrefix="oai_dc", set="schema:biosafetyDecision"))
    countries = {s for r in decisions for s in r.header.setSpecs if s.startswith("country:")}
    assert countries == {"country:CA", "country:AU"}  # Australia's OGTR licences (issue 16)
    assert all(r.metadata.get("title") for r in decisions)
    tomb = sickle.GetRecord(identifier=f"oai:127.0.0.1:{victim.uid_base}", metadataPrefix="oai_dc")
    assert tomb.header.deleted
    info = sickle.Identify()
    assert info.deletedRecord == "persistent"
    assert info.granularity == "YYYY-MM-DDThh:mm:ssZ"
    with pytest.raises(IdDoesNotExist):
        sickle.GetRecord(identifier="oai:127.0.0.1:BCH-LMO-SCBD-999999", metadataPrefix="oai_dc")
    with pytest.raises(NoRecordsMatch):
        list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="country:FR"))
