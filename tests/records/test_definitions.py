"""The realm definitions (definitions/*.yaml): they load, and they hang together.

Checked against the lists below rather than against the thesaurus module, so these tests hold
whether or not the vocabularies are loaded.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bch.records.fields import Condition, FieldDef, RecordType
from bch.records.languages import LANGUAGES
from bch.records.realms import RealmRegistry

# schema key -> (short code, type), as in the real BCH realm configuration
BCH_TYPES: dict[str, tuple[str, str]] = {
    "modifiedOrganism": ("LMO", "reference"),
    "organism": ("ORGA", "reference"),
    "dnaSequence": ("GENE", "reference"),
    "biosafetyDecision": ("DEC", "national"),
    "nationalRiskAssessment": ("RA", "national"),
    "independentRiskAssessment": ("IRA", "reference"),
    "authority": ("CNA", "national"),
    "focalPoint": ("NFP", "national"),
    "supplementaryAuthority": ("SPCA", "national"),
    "biosafetyLaw": ("LAW", "national"),
    "laboratoryDetection": ("LAB", "reference"),
    "resource": ("VLR", "reference"),
    "capacityBuildingInitiative": ("CDI", "reference"),
    "biosafetyExpert": ("EXP", "national"),
    "contact": ("CON", "reference"),
    "organization": ("ORG", "reference"),
    "database": ("NDB", "national"),
    "countryProfile": ("BCP", "national"),
    "biosafetyNews": ("BCHN", "reference"),
    # the national reports on the Protocol (issue 16 item 6)
    "cpbNationalReport1": ("NR1", "national"),
    "cpbNationalReport2": ("NR2", "national"),
    "cpbNationalReport3": ("NR3", "national"),
    "cpbNationalReport4": ("NR4", "national"),
    "cpbNationalReport5": ("NR5", "national"),
    "cpbNationalReportInterim": ("NRI", "national"),
}

CHM_TYPES: dict[str, tuple[str, str]] = {
    "organization": ("ORG", "reference"),
    "resource": ("VLR", "reference"),
    "event": ("EVT", "reference"),
    "nationalTarget": ("NT", "national"),
    "nationalReport6": ("NR6", "national"),
    "cooperativeActivity": ("COOP", "scbd"),
}

# the thesaurus domains the vocabularies provide (names are literal, as in the real thesaurus)
DOMAINS = frozenset(
    {
        "countries",
        "DecisionTypes",
        "DecisionResults",
        "DecisionLMOFFPSubject",
        "DecisionScopes",
        "TransboundaryMovementTypes",
        "techniqueUsed",
        "dnaSequenceTraits",
        "OrganismCommonUses",
        "RiskAssessmentScope",
        "TypeOfOrganisms",
        "GeneticElementFamilies",
        "LawTypes",
        "Jurisdictions",
        "LabServices",
        "DetectionMethodTypes",
        "ExpertiseAreas",
        "ChmCooperationInstruments",
        "StrategicPlanObjectives",
        "FundingStatus",
        "EventTypes",
        "Domestication",
        "CpbSubjectAreas",
    }
)

ART10 = "E8C5A15C-A736-4fb7-A1B6-192412BE7E45"
ART11_FFP = "BE64016A-C3BD-4C61-9620-C3FEF96B2A24"
ART17 = "DecisionTypes.art17"


@pytest.fixture(scope="module")
def registry() -> RealmRegistry:
    return RealmRegistry.load()


def _all_types() -> list[RecordType]:
    return RealmRegistry.load().all()


def _type_id(rt: RecordType) -> str:
    return f"{rt.realm}.{rt.name}"


ALL_TYPES = _all_types()


def walk(fields: dict[str, FieldDef], prefix: str = "") -> Iterator[tuple[str, FieldDef]]:
    """Every field, nested object fields included, with its dotted path."""
    for key, field in fields.items():
        yield prefix + key, field
        if field.fields:
            yield from walk(field.fields, f"{prefix}{key}.")


def scopes(fields: dict[str, FieldDef]) -> Iterator[tuple[dict[str, FieldDef], FieldDef]]:
    """Each field with the sibling fields its conditions may name."""
    for field in fields.values():
        yield fields, field
        if field.fields:
            yield from scopes(field.fields)


def conditions(field: FieldDef) -> list[Condition]:
    return [*field.required_when, *field.shown_when]


# ----------------------------------------------------------------------------------------------
# loading and the list of record types


def test_registry_loads_both_realms(registry: RealmRegistry) -> None:
    assert set(registry.realms) >= {"BCH", "CHM"}
    assert registry.realms["BCH"].uid_prefix == "BCH"
    assert registry.realms["CHM"].uid_prefix == "CHM"


@pytest.mark.parametrize(("schema", "expected"), sorted(BCH_TYPES.items()))
def test_bch_record_type(registry: RealmRegistry, schema: str, expected: tuple[str, str]) -> None:
    short_code, kind = expected
    rt = registry.record_type(schema, "BCH")
    assert (rt.short_code, rt.type) == (short_code, kind)
    assert registry.by_short_code("BCH", short_code) is rt


@pytest.mark.parametrize(("schema", "expected"), sorted(CHM_TYPES.items()))
def test_chm_record_type(registry: RealmRegistry, schema: str, expected: tuple[str, str]) -> None:
    short_code, kind = expected
    rt = registry.record_type(schema, "CHM")
    assert (rt.short_code, rt.type) == (short_code, kind)
    assert registry.by_short_code("CHM", short_code) is rt


def test_unqualified_lookup_prefers_bch(registry: RealmRegistry) -> None:
    assert registry.record_type("organization").realm == "BCH"
    assert registry.record_type("organization", "CHM").realm == "CHM"


def test_the_per_type_checks_below_have_something_to_check() -> None:
    """The checks per record type loop over fields of a kind; across the types, each kind
    occurs, so none of them passes only because there was nothing to look at."""
    fields = [f for rt in ALL_TYPES for _, f in walk(rt.fields)]
    assert len(ALL_TYPES) == len(BCH_TYPES) + len(CHM_TYPES)
    assert any(f.type == "term" for f in fields) and any(f.type == "reference" for f in fields)
    assert any(f.required_when for f in fields) and any(f.shown_when for f in fields)
    assert any(f.title for f in fields) and any(f.fields for f in fields)
    conds = [c for f in fields for c in conditions(f)]
    assert any(c.equals is not None for c in conds) and any(c.contains is not None for c in conds)


def test_short_codes_unique_within_each_realm(registry: RealmRegistry) -> None:
    for realm in registry.realms.values():
        codes = [rt.short_code for rt in realm.schemas.values()]
        assert len(codes) == len(set(codes)), realm.code


# ----------------------------------------------------------------------------------------------
# titles in the six UN languages


@pytest.mark.parametrize("code", ["BCH", "CHM"])
def test_realm_title_in_six_languages(registry: RealmRegistry, code: str) -> None:
    title = registry.realms[code].title
    assert set(title) == set(LANGUAGES)
    assert all(text.strip() for text in title.values())


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_record_type_texts_in_six_languages(rt: RecordType) -> None:
    for name, text in (
        ("title", rt.title),
        ("titlePlural", rt.title_plural),
        ("description", rt.description),
    ):
        assert set(text) == set(LANGUAGES), f"{name}: {sorted(text)}"
        assert all(value.strip() == value and value for value in text.values()), name


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_field_labels_when_given_are_in_six_languages(rt: RecordType) -> None:
    for path, field in walk(rt.fields):
        for text in (field.title, field.description):
            if text:
                assert set(text) == set(LANGUAGES), path


# ----------------------------------------------------------------------------------------------
# fields: domains, references, conditions


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_term_domains_are_known(rt: RecordType) -> None:
    for path, field in walk(rt.fields):
        if field.type == "term":
            assert field.domain in DOMAINS, f"{path}: {field.domain}"
        else:
            assert field.domain is None, f"{path} is not a term but names a domain"


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_references_name_record_types_of_the_same_realm(
    registry: RealmRegistry, rt: RecordType
) -> None:
    realm = registry.realms[rt.realm]
    for path, field in walk(rt.fields):
        if field.type == "reference":
            assert field.schemas
            unknown = [s for s in field.schemas if s not in realm.schemas]
            assert not unknown, f"{path} points to {unknown}"
        else:
            assert field.schemas is None, f"{path} is not a reference but names schemas"


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_conditions_name_existing_fields(rt: RecordType) -> None:
    for siblings, field in scopes(rt.fields):
        for condition in conditions(field):
            assert condition.field in siblings, f"{field.name}: {condition.describe()}"
            assert condition.field != field.name, f"{field.name} depends on itself"


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_conditions_fit_the_field_they_test(rt: RecordType) -> None:
    for siblings, field in scopes(rt.fields):
        for condition in conditions(field):
            target = siblings[condition.field]
            tests = [
                condition.equals is not None,
                condition.contains is not None,
                condition.present is not None,
            ]
            assert sum(tests) == 1, f"{field.name}: {condition!r} must test exactly one thing"
            if condition.contains is not None:
                assert target.type == "term", f"{field.name}: contains on a {target.type}"
            if isinstance(condition.equals, bool):
                assert target.type == "boolean", f"{field.name}: {condition.describe()}"
            if condition.equals is not None and target.enum:
                assert condition.equals in target.enum, f"{field.name}: {condition.describe()}"


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_conditionally_required_fields_are_not_always_required(rt: RecordType) -> None:
    for path, field in walk(rt.fields):
        if field.required_when:
            assert not field.required, path


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_title_fields_are_top_level_fields(rt: RecordType) -> None:
    assert rt.title_fields
    for key in rt.title_fields:
        assert key in rt.fields


@pytest.mark.parametrize("rt", [rt for rt in ALL_TYPES if rt.is_national], ids=_type_id)
def test_national_types_require_a_government(rt: RecordType) -> None:
    government = rt.fields["government"]
    assert government.type == "term"
    assert government.domain == "countries"
    assert government.required
    assert not government.many


@pytest.mark.parametrize("rt", ALL_TYPES, ids=_type_id)
def test_private_notes_are_confidential(rt: RecordType) -> None:
    if "notes" in rt.fields:
        assert rt.fields["notes"].confidential


# ----------------------------------------------------------------------------------------------
# the fields other code relies on


def _field(registry: RealmRegistry, schema: str, name: str, realm: str = "BCH") -> FieldDef:
    return registry.record_type(schema, realm).fields[name]


@pytest.mark.parametrize(
    ("schema", "name", "type_", "many", "required"),
    [
        ("organization", "name", "lstring", False, True),
        ("organization", "acronym", "string", False, False),
        ("organization", "country", "term", False, True),
        ("organization", "websites", "link", True, False),
        ("organization", "emails", "email", True, False),
        ("organization", "description", "lstring", False, False),
        ("contact", "firstName", "string", False, False),
        ("contact", "lastName", "string", False, False),
        ("contact", "name", "lstring", False, False),
        ("contact", "organization", "reference", False, False),
        ("contact", "emails", "email", True, False),
        ("contact", "phones", "string", True, False),
        ("contact", "country", "term", False, False),
        ("organism", "scientificName", "string", False, True),
        ("organism", "commonNames", "lstring", False, False),
        ("organism", "kingdom", "string", False, False),
        ("organism", "family", "string", False, False),
        ("organism", "genus", "string", False, False),
        ("organism", "species", "string", False, False),
        ("organism", "organismType", "term", False, False),
        ("organism", "commonUses", "term", True, False),
        ("dnaSequence", "name", "lstring", False, True),
        ("dnaSequence", "abbreviation", "string", False, True),
        ("dnaSequence", "family", "term", False, True),
        ("dnaSequence", "isSynthetic", "boolean", False, True),
        ("dnaSequence", "donorOrganisms", "reference", True, False),
        ("dnaSequence", "synonymNames", "string", True, False),
        ("dnaSequence", "proteinName", "lstring", False, False),
        ("dnaSequence", "biologicalFunction", "lstring", False, False),
        ("dnaSequence", "traits", "term", True, False),
        ("authority", "government", "term", False, True),
        ("authority", "name", "lstring", False, True),
        ("authority", "acronym", "string", False, False),
        ("authority", "address", "lstring", False, False),
        ("authority", "city", "string", False, False),
        ("authority", "country", "term", False, False),
        ("authority", "websites", "link", True, False),
        ("authority", "emails", "email", True, False),
        ("authority", "phones", "string", True, False),
        ("authority", "responsibilities", "lstring", False, False),
        ("biosafetyDecision", "government", "term", False, True),
        ("biosafetyDecision", "authorities", "reference", True, True),
        ("biosafetyDecision", "title", "lstring", False, True),
        ("biosafetyDecision", "date", "date", False, True),
        ("biosafetyDecision", "isAmendment", "boolean", False, True),
        ("biosafetyDecision", "decisionTypes", "term", True, True),
        ("biosafetyDecision", "expires", "boolean", False, True),
        ("biosafetyDecision", "decisionResult", "term", False, False),
        ("biosafetyDecision", "extensionPeriod", "integer", False, False),
        ("biosafetyDecision", "scopes", "term", True, False),
        ("biosafetyDecision", "modifiedOrganisms", "reference", True, False),
        ("biosafetyDecision", "riskAssessments", "reference", True, False),
        ("biosafetyDecision", "documents", "link", True, False),
    ],
)
def test_relied_on_fields(
    registry: RealmRegistry, schema: str, name: str, type_: str, many: bool, required: bool
) -> None:
    field = _field(registry, schema, name)
    assert (field.type, field.many, field.required) == (type_, many, required)


def test_relied_on_domains_and_targets(registry: RealmRegistry) -> None:
    assert _field(registry, "organization", "country").domain == "countries"
    assert _field(registry, "contact", "country").domain == "countries"
    assert _field(registry, "contact", "organization").schemas == ["organization"]
    assert _field(registry, "organism", "organismType").domain == "TypeOfOrganisms"
    assert _field(registry, "organism", "commonUses").domain == "OrganismCommonUses"
    assert _field(registry, "dnaSequence", "family").domain == "GeneticElementFamilies"
    assert _field(registry, "dnaSequence", "traits").domain == "dnaSequenceTraits"
    assert _field(registry, "dnaSequence", "donorOrganisms").schemas == ["organism"]
    assert _field(registry, "biosafetyDecision", "authorities").schemas == ["authority"]
    assert _field(registry, "biosafetyDecision", "decisionTypes").domain == "DecisionTypes"
    assert _field(registry, "biosafetyDecision", "decisionResult").domain == "DecisionResults"
    assert _field(registry, "biosafetyDecision", "scopes").domain == "DecisionScopes"
    assert _field(registry, "biosafetyDecision", "modifiedOrganisms").schemas == [
        "modifiedOrganism"
    ]
    assert set(_field(registry, "biosafetyDecision", "riskAssessments").schemas or []) == {
        "nationalRiskAssessment",
        "independentRiskAssessment",
    }


def test_contact_privacy(registry: RealmRegistry) -> None:
    assert not _field(registry, "contact", "emails").confidential
    assert _field(registry, "contact", "phones").confidential


def test_expert_contact_details_are_confidential(registry: RealmRegistry) -> None:
    expert = registry.record_type("biosafetyExpert", "BCH")
    for name in ("address", "phones", "emails"):
        assert expert.fields[name].confidential, name
    assert not expert.fields["expertise"].confidential
    assert not expert.fields["country"].confidential


# ----------------------------------------------------------------------------------------------
# the decision's conditional groups


def _conds(field: FieldDef, kind: str) -> list[tuple[str, object]]:
    found = field.required_when if kind == "required" else field.shown_when
    return [(c.field, c.contains if c.contains is not None else c.equals) for c in found]


def test_decision_amendment_fields(registry: RealmRegistry) -> None:
    dec = registry.record_type("biosafetyDecision", "BCH")
    for name in ("amendedRecords", "amendmentsDetails"):
        assert _conds(dec.fields[name], "required") == [("isAmendment", True)]
    assert dec.fields["amendedRecords"].schemas == ["biosafetyDecision"]


def test_decision_ffp_fields(registry: RealmRegistry) -> None:
    dec = registry.record_type("biosafetyDecision", "BCH")
    uses = dec.fields["uses"]
    assert uses.domain == "DecisionLMOFFPSubject"
    assert uses.many
    assert _conds(uses, "required") == [("decisionTypes", ART11_FFP)]
    assert _conds(dec.fields["takenInAccordanceWithA116"], "shown") == [
        ("decisionTypes", ART11_FFP)
    ]


def test_decision_art10_fields(registry: RealmRegistry) -> None:
    dec = registry.record_type("biosafetyDecision", "BCH")
    for name in (
        "addressesTransboundaryMovement",
        "involvesFieldTrial",
        "involvesCommercialRelease",
        "appliesToSubsequentIntroductions",
    ):
        assert _conds(dec.fields[name], "shown") == [("decisionTypes", ART10)], name
    # the notification dates only apply when the decision answers a transboundary movement
    assert _conds(dec.fields["receiptDate"], "shown") == [("addressesTransboundaryMovement", True)]


def test_decision_art17_fields(registry: RealmRegistry) -> None:
    dec = registry.record_type("biosafetyDecision", "BCH")
    assert dec.fields["transboundaryMovementType"].domain == "TransboundaryMovementTypes"
    for name in (
        "transboundaryMovementType",
        "releaseInformation",
        "estimatedQuantities",
        "releaseCircumstance",
        "releaseDate",
        "lmoUseInformation",
        "adverseEffectInformation",
        "pointOfContact",
    ):
        assert ("decisionTypes", ART17) in _conds(dec.fields[name], "shown"), name


def test_decision_result_applies_to_art10_and_art11(registry: RealmRegistry) -> None:
    dec = registry.record_type("biosafetyDecision", "BCH")
    result = dec.fields["decisionResult"]
    assert set(_conds(result, "required")) == {
        ("decisionTypes", ART10),
        ("decisionTypes", ART11_FFP),
    }


def test_forwarding_flags_on_decisions_and_risk_assessments(registry: RealmRegistry) -> None:
    flags = ("isForCommercialUse", "forwardToOECD", "isForFoodSafety", "codexConducted")
    for schema in ("biosafetyDecision", "nationalRiskAssessment"):
        rt = registry.record_type(schema, "BCH")
        for name in (*flags, "forwardToFAO"):
            assert rt.fields[name].type == "boolean", (schema, name)


def test_gene_donor_required_unless_synthetic(registry: RealmRegistry) -> None:
    donors = _field(registry, "dnaSequence", "donorOrganisms")
    assert _conds(donors, "required") == [("isSynthetic", False)]


def test_lmo_keeps_its_shape(registry: RealmRegistry) -> None:
    lmo = registry.record_type("modifiedOrganism", "BCH")
    assert lmo.title_fields == ["uniqueIdentification", "transformationEvent", "identity"]
    assert lmo.fields["uniqueIdentification"].type == "oecdUid"
    assert lmo.confidential_fields() == ["notes"]


def test_cooperation_activity(registry: RealmRegistry) -> None:
    coop = registry.record_type("cooperativeActivity", "CHM")
    assert coop.fields["partnerOrganization"].schemas == ["organization"]
    assert coop.fields["partnerOrganization"].required
    assert coop.fields["instrument"].domain == "ChmCooperationInstruments"
    assert coop.fields["instrument"].required
    assert coop.fields["strategicPlanObjectives"].many
    assert coop.fields["fundingStatus"].domain == "FundingStatus"
    assert {"activities", "startDate", "endDate", "documents"} <= set(coop.fields)
