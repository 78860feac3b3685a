"""Validation of record documents against the declared record types (no database needed)."""

from __future__ import annotations

import pytest

from bch.records.realms import get_registry
from bch.records.thesaurus import OTHER_TERM, get_thesaurus
from bch.records.validation import Validator

ART10 = "E8C5A15C-A736-4fb7-A1B6-192412BE7E45"
ART11 = "BE64016A-C3BD-4C61-9620-C3FEF96B2A24"


@pytest.fixture(scope="module")
def validator():
    published = {
        "cna-ke-000000001": "authority",
        "lmo-mon810-0000001": "modifiedOrganism",
        "org-applicant-0001": "organization",
        "ra-ke-0000000001": "nationalRiskAssessment",
    }
    return Validator(
        get_registry(),
        get_thesaurus(),
        resolve_references=lambda ids: {i: published.get(i) for i in ids},
    )


def decision(**fields) -> dict:
    doc = {
        "header": {
            "identifier": "dec-ke-0000000001",
            "schema": "biosafetyDecision",
            "languages": ["en", "fr"],
        },
        "government": {"identifier": "ke"},
        "authorities": [{"identifier": "cna-ke-000000001"}],
        "title": {"en": "Approval of MON810 maize", "fr": "Approbation du maïs MON810"},
        "date": "2024-05-02",
        "isAmendment": False,
        "decisionTypes": [{"identifier": ART10}],
        "decisionResult": {"identifier": "DecisionResults.approval"},
        "importers": [{"identifier": "org-applicant-0001"}],
        "addressesTransboundaryMovement": False,
        "appliesToTransboundaryMovement": False,
        "appliesToSubsequentIntroductions": True,
        "modifiedOrganisms": [{"identifier": "lmo-mon810-0000001"}],
        "riskAssessments": [{"identifier": "ra-ke-0000000001"}],
        "expires": False,
    }
    doc.update(fields)
    return doc


def problems(result) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in result.errors}


def test_a_complete_decision_is_valid_and_normalised(validator):
    result = validator.validate(decision())
    assert result.ok, result.errors
    assert result.document["government"] == {"identifier": "KE"}


def test_art11_decision_requires_uses_also_for_a_narrower_type(validator):
    for dtype in (ART11, "DecisionTypes.ffpDomesticUse"):
        result = validator.validate(decision(decisionTypes=[{"identifier": dtype}]))
        assert ("Error.Mandatory", "uses") in problems(result), dtype
    ok = validator.validate(
        decision(
            decisionTypes=[{"identifier": ART11}],
            uses=[{"identifier": "DecisionLMOFFPSubject.food"}],
            takenInAccordanceWithA116=False,
        )
    )
    assert ok.ok, ok.errors


def test_amendment_asks_which_records_it_amends(validator):
    found = problems(validator.validate(decision(isAmendment=True)))
    assert {
        ("Error.Mandatory", "amendedRecords"),
        ("Error.Mandatory", "amendmentsDetails"),
    } <= found


def test_terms_references_languages_and_types_are_checked(validator):
    doc = decision(
        decisionTypes=[{"identifier": "DecisionResults.approval"}],
        authorities=[{"identifier": "lmo-mon810-0000001"}, {"identifier": "nothing-here-000"}],
        title={"en": "x", "zh": "决定"},
        date="02/05/2024",
        expires="no",
    )
    found = problems(validator.validate(doc))
    assert ("Error.UnexpectedTerm", "decisionTypes[0].identifier") in found
    assert ("Error.InvalidReference", "authorities[0].identifier") in found
    assert ("Error.BrokenReference", "authorities[1].identifier") in found
    assert ("Error.UnspecifiedLocale", "title.zh") in found
    assert ("Error.InvalidType", "date") in found
    assert ("Error.InvalidType", "expires") in found


def test_header_problems(validator):
    doc = decision()
    doc["header"] = {"identifier": "short", "schema": "biosafetyDecision", "languages": [], "x": 1}
    found = problems(validator.validate(doc))
    assert {
        ("Error.InvalidValue", "header.identifier"),
        ("Error.Mandatory", "header.languages"),
        ("Error.InvalidProperty", "header.x"),
    } <= found
    assert ("Error.Mandatory", "header") in problems(validator.validate({"title": {}}))
    assert ("Error.InvalidType", "") in problems(validator.validate([1, 2]))


def test_oecd_uid_is_normalised_and_bad_check_digit_is_only_a_warning(validator):
    lmo = {
        "header": {
            "identifier": "lmo-test-0000001",
            "schema": "modifiedOrganism",
            "languages": ["en"],
        },
        "transformationEvent": "MON810",
        "hasUniqueIdentification": True,
        "uniqueIdentification": "mon-00810-6",
    }
    result = validator.validate(lmo, strict=False)
    assert result.ok and result.document["uniqueIdentification"] == "MON-ØØ81Ø-6"
    assert any(w.code == "Warning.Mandatory" for w in result.warnings)  # non-strict import mode
    strict = validator.validate(lmo)
    assert ("Error.Mandatory", "developers") in problems(strict)
    bad_digit = validator.validate({**lmo, "uniqueIdentification": "MON-ØØ81Ø-7"}, strict=False)
    assert bad_digit.ok and any(w.code == "Warning.OecdUid" for w in bad_digit.warnings)
    garbage = validator.validate({**lmo, "uniqueIdentification": "hello"}, strict=False)
    assert ("Error.InvalidValue", "uniqueIdentification") in problems(garbage)


def test_other_term_accepts_free_text(validator):
    doc = decision(
        decisionTypes=[{"identifier": OTHER_TERM.lower(), "customValue": {"en": "Permit"}}]
    )
    result = validator.validate(doc)
    assert ("Error.UnexpectedTerm", "decisionTypes[0].identifier") not in problems(result)
    assert result.document["decisionTypes"][0]["identifier"] == OTHER_TERM


# -- issue 16 items 6 and 7: the realm of a document, former field names, the sites of a trial --


def test_header_realm_chooses_the_record_type_of_a_shared_schema_key(validator):
    org = {
        "header": {"identifier": "org-chm-00000001", "schema": "organization", "languages": ["en"]},
        "name": {"en": "UNECE Aarhus Convention secretariat"},
    }
    assert validator.validate(org, strict=False).record_type.realm == "BCH"
    org["header"]["realm"] = "CHM"
    result = validator.validate(org, strict=False)
    assert result.ok and result.record_type.realm == "CHM"
    assert result.document["header"]["realm"] == "CHM"  # kept: an edit stays in its realm
    org["header"]["realm"] = "ABS"
    assert problems(validator.validate(org, strict=False)) == {
        ("Error.InvalidValue", "header.realm")
    }
    # a schema the named realm lacks
    bad = decision()
    bad["header"]["realm"] = "CHM"
    assert ("Error.UnknownSchema", "header.schema") in problems(validator.validate(bad))


def test_exempt_from_aia_is_read_as_exempted_from_aia(validator):
    result = validator.validate(decision(exemptFromAIA=True))
    assert result.ok and result.document["exemptedFromAIA"] is True
    assert "exemptFromAIA" not in result.document
    assert ("Warning.FormerName", "exemptFromAIA") in {(w.code, w.path) for w in result.warnings}
    both = validator.validate(decision(exemptFromAIA=True, exemptedFromAIA=False))
    assert both.ok and both.document["exemptedFromAIA"] is False  # the current name wins


def test_sites_of_a_field_trial(validator):
    site = {"siteNumber": "1", "locality": "Narrabri Shire Council", "areaHectares": 0.039}
    ok = validator.validate(decision(involvesFieldTrial=True, sites=[site]))
    assert ok.ok and ok.document["sites"] == [site]
    bad = validator.validate(
        decision(sites=[{"latitude": "north", "coordinatesPrecision": "street"}])
    )
    assert {"sites[0].latitude", "sites[0].coordinatesPrecision"} <= {p.path for p in bad.errors}


def test_gene_constructs_and_national_reports(validator):
    report = {
        "header": {
            "identifier": "nr4-ke-000000001",
            "schema": "cpbNationalReport4",
            "languages": ["en"],
        },
        "government": {"identifier": "ke"},
        "submissionDate": "2019-11-01",
    }
    result = validator.validate(report)
    assert result.ok and result.record_type.short_code == "NR4"
    lmo = {
        "header": {
            "identifier": "lmo-construct-0001",
            "schema": "modifiedOrganism",
            "languages": ["en"],
        },
        "geneConstructs": [{"elements": [{"type": "sense", "size": 1800}]}],
    }
    result = validator.validate(lmo, strict=False)
    assert result.ok and result.document["geneConstructs"][0]["elements"][0]["size"] == 1800
