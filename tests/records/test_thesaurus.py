import csv
import re
from pathlib import Path

import pytest

from bch.records.languages import LANGUAGES
from bch.records.thesaurus import (
    OTHER_TERM,
    VOCABULARY_DIR,
    Thesaurus,
    ThesaurusError,
    get_thesaurus,
)

DATA = Path(__file__).resolve().parents[2] / "data"
RAW = DATA / "raw" / "ebi_hackathon_2019_isaaa_biotrack_bch"
GUID = re.compile(r"^[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$")
TRAITS = "dnaSequenceTraits"

REQUIRED_DOMAINS = [
    "DecisionTypes", "DecisionResults", "DecisionLMOFFPSubject", "DecisionScopes",
    "TransboundaryMovementTypes", "techniqueUsed", "dnaSequenceTraits", "OrganismCommonUses",
    "RiskAssessmentScope", "TypeOfOrganisms", "GeneticElementFamilies", "LawTypes", "Jurisdictions",
    "LabServices", "DetectionMethodTypes", "ExpertiseAreas", "ChmCooperationInstruments",
    "StrategicPlanObjectives", "FundingStatus", "EventTypes", "common", "countries",
]  # fmt: skip

# Every full GUID in the YAML must be one that BCH-FORMATS.md gives in full.
KNOWN_GUIDS = {
    ("DecisionTypes", "art10"): "E8C5A15C-A736-4fb7-A1B6-192412BE7E45",
    ("DecisionTypes", "art11"): "BE64016A-C3BD-4C61-9620-C3FEF96B2A24",
    ("common", "other"): OTHER_TERM,
}
KNOWN_DOMAIN_GUIDS = {
    "techniqueUsed": "ABE9DCE3-92BA-4D5D-8948-7F7E541EEC6B",
    "dnaSequenceTraits": "B8EB2261-7695-4DC5-9C4E-026D380DA7CB",
}
KNOWN_PREFIXES = {
    ("DecisionTypes", "ffpImport"): "0D0BEEF4",
    ("DecisionTypes", "ffpDomesticUse"): "C15E5CD8",
    ("DecisionResults", "approval"): "3B9ECE67",
    ("DecisionResults", "approvalWithConditions"): "3EFF4792",
    ("DecisionResults", "prohibition"): "6DD1B161",
    ("DecisionResults", "requestInformation"): "8D91ACEE",
    ("DecisionResults", "periodExtended"): "19F9F13E",
    ("DecisionLMOFFPSubject", "food"): "91BEAF12",
    ("TransboundaryMovementTypes", "unintentional"): "22B915C4",
    ("TransboundaryMovementTypes", "illegal"): "A9A800DC",
    ("techniqueUsed", "agrobacterium"): "844F7BE6",
    ("OrganismCommonUses", "biocontrol"): "F816F788",
    ("RiskAssessmentScope", "environment"): "D6B59E8A",
}
KNOWN_DOMAIN_PREFIXES = {
    "GeneticElementFamilies": "82DAAF04",
    "LabServices": "DE2D1321",
    "DetectionMethodTypes": "81EE782D",
    "ExpertiseAreas": "2523EDCE",
}


@pytest.fixture(scope="module")
def th() -> Thesaurus:
    return get_thesaurus()


def by_code(th: Thesaurus, domain: str, code: str):
    found = [t for t in th.domain(domain).terms if t.code == code]
    assert len(found) == 1, (domain, code)
    return found[0]


# -- content --------------------------------------------------------------------------------


def test_required_domains(th):
    names = {d.name for d in th.domains()}
    assert set(REQUIRED_DOMAINS) <= names
    assert get_thesaurus() is th


def test_every_domain_and_term_has_six_titles(th):
    assert sum(len(d.terms) for d in th.domains()) > 100
    for d in th.domains():
        assert set(d.title) == set(LANGUAGES), d.name
        assert all(d.title[lang].strip() for lang in LANGUAGES), d.name
        for t in d.terms:
            assert set(t.title) == set(LANGUAGES), t.identifier
            assert all(t.title[lang].strip() for lang in LANGUAGES), t.identifier
            assert t.domain == d.name


def test_titles_are_translated(th):
    """Catch English left in a translation: ar/ru/zh titles must use their own scripts."""
    scripts = {"ar": r"[\u0600-\u06FF]", "ru": r"[\u0400-\u04FF]", "zh": r"[\u4E00-\u9FFF]"}
    assert len(th.domains()) > 10
    for d in th.domains():
        if d.name == "countries":
            continue
        for t in (*d.terms, d):
            for lang, script in scripts.items():
                assert re.search(script, t.title[lang]), (getattr(t, "identifier", d.name), lang)


def test_hierarchy_consistent(th):
    assert any(t.broader for d in th.domains() for t in d.terms)  # there is a hierarchy
    for d in th.domains():
        ids = {t.identifier for t in d.terms}
        for t in d.terms:
            for parent in t.broader:
                assert parent in ids, (t.identifier, parent)
                assert t.identifier in th.term(parent).narrower
            for child in t.narrower:
                assert child in ids
                assert t.identifier in th.term(child).broader
            closure = th.broader_closure(t.identifier)
            assert closure[0] == t.identifier and len(closure) == len(set(closure))


def test_identifiers(th):
    guids = {}
    for d in th.domains():
        if d.name == "countries":
            continue
        codes = [t.code for t in d.terms]
        assert len(codes) == len(set(codes)), d.name
        for t in d.terms:
            if GUID.match(t.identifier):
                guids[(d.name, t.code)] = t.identifier
            else:
                assert t.identifier == f"{d.name}.{t.code}"
    assert guids == KNOWN_GUIDS  # no invented GUIDs
    for domain, guid in KNOWN_DOMAIN_GUIDS.items():
        assert th.domain(domain).identifier == guid
        assert th.domain(guid.lower()).name == domain
    for (domain, code), prefix in KNOWN_PREFIXES.items():
        assert by_code(th, domain, code).bch_id_prefix == prefix
    for domain, prefix in KNOWN_DOMAIN_PREFIXES.items():
        assert th.domain(domain).bch_id_prefix == prefix


def test_decision_type_hierarchy(th):
    ffp = th.term("be64016a-c3bd-4c61-9620-c3fef96b2a24")
    assert ffp.code == "art11"
    assert set(ffp.narrower) == {"DecisionTypes.ffpImport", "DecisionTypes.ffpDomesticUse"}
    assert th.broader_closure("DecisionTypes.ffpImport") == [
        "DecisionTypes.ffpImport",
        "BE64016A-C3BD-4C61-9620-C3FEF96B2A24",
    ]


def test_other_term_in_every_domain(th):
    other = th.term(OTHER_TERM.lower())
    assert other.title["en"] == "Other" and other.domain == "common"
    for d in th.domains():
        assert th.in_domain(OTHER_TERM, d.name)
        assert th.in_domain(OTHER_TERM, d.identifier)
    assert not th.in_domain(OTHER_TERM, "NoSuchDomain")
    assert th.match(TRAITS, "other").identifier == OTHER_TERM


def test_in_domain(th):
    assert th.in_domain("E8C5A15C-A736-4FB7-A1B6-192412BE7E45", "decisiontypes")
    assert not th.in_domain("E8C5A15C-A736-4fb7-A1B6-192412BE7E45", "DecisionResults")
    assert not th.in_domain("no-such-term", "DecisionTypes")


def test_flags(th):
    scope_flags = {t.code: t.flags for t in th.domain("DecisionScopes").terms}
    assert scope_flags == {
        "food": ("scopeFood_b",),
        "feed": ("scopeFeed_b",),
        "processing": ("scopeProcessing_b",),
        "release": ("scopeRelease_b",),
        "fieldTrial": ("scopeFieldTrials_b",),
        "containedUse": ("scopeContainedUse_b",),
        "pharmaceutical": ("scopePharmaceutical_b",),
        "transit": ("scopeTransit_b",),
        "otherUses": ("scopeOther_b",),
    }
    top = {t.code: t.flags for t in th.top_terms(TRAITS)}
    assert top["diseasesPests"] == ("traitsDiseasesResistance_b",)
    assert top["herbicides"] == ("traitsHerbicidesResistance_b",)
    assert top["physiology"] == ("traitsPhysiologyChanges_b",)
    assert top["quality"] == ("traitsQualityChanges_b",)
    assert top["medical"] == ("traitsMedicalProduction_b",)
    assert {f for flags in top.values() for f in flags} >= {"traitsOther_b"}
    assert all(flags for flags in top.values())  # every trait group feeds one icon flag
    organisms = {t.flags for t in th.domain("TypeOfOrganisms").terms if t.flags}
    assert organisms == {
        ("plants_b",),
        ("animals_b",),
        ("bacteria_b",),
        ("fungi_b",),
        ("viruses_b",),
    }
    assert th.flags(["dnaSequenceTraits.isoxaflutole", "dnaSequenceTraits.lepidoptera"]) == {
        "traitsHerbicidesResistance_b",
        "traitsDiseasesResistance_b",
    }


def test_closures(th):
    assert th.broader_closure("dnaSequenceTraits.isoxaflutole") == [
        "dnaSequenceTraits.isoxaflutole",
        "dnaSequenceTraits.hppdInhibitors",
        "dnaSequenceTraits.herbicides",
    ]
    insects = th.narrower_closure("dnaSequenceTraits.insects")
    assert {"dnaSequenceTraits.lepidoptera", "dnaSequenceTraits.coleoptera"} <= set(insects)
    assert th.broader_closure("unknown") == []


def test_to_api(th):
    api = th.term("DecisionTypes.ffpImport").to_api()
    assert api["identifier"] == "DecisionTypes.ffpImport"
    assert api["name"] == "Import" and api["title"]["fr"] == "Importation"
    assert api["broaderTerms"] == ["BE64016A-C3BD-4C61-9620-C3FEF96B2A24"]


# -- matching external labels ---------------------------------------------------------------


def _distinct_traits() -> list[str]:
    with (DATA / "lmo_events.csv").open(encoding="utf-8") as f:
        return sorted(
            {t.strip() for row in csv.DictReader(f) for t in row["traits"].split("; ")} - {""}
        )


def test_every_lmo_event_trait_matches(th):
    traits = _distinct_traits()
    assert len(traits) > 100
    unmatched = [t for t in traits if th.match(TRAITS, t) is None]
    to_other = [t for t in traits if (m := th.match(TRAITS, t)) and m.identifier == OTHER_TERM]
    for text in unmatched + to_other:
        print("falls to Other:", text)
    assert unmatched == [] and to_other == []


@pytest.mark.parametrize("source", ["isaaa.csv", "biotrack.csv", "lmo.csv"])
def test_raw_source_traits_match(th, source):
    with (RAW / source).open(encoding="utf-8") as f:
        traits = {row[2].strip() for row in csv.reader(f) if len(row) > 2 and row[2].strip()}
    assert [t for t in sorted(traits) if th.match(TRAITS, t) is None] == []


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Glyphosate herbicide tolerance", ["glyphosate"]),
        ("Lepidopteran insect resistance", ["lepidoptera"]),
        ("Insects", ["insects"]),
        ("Resistance to antibiotics", ["antibiotics"]),
        ("Glufosinate, 2,4-D and glyphosate tolerance", ["glufosinate", "twoFourD", "glyphosate"]),
        ("Glufosinate, glyphosate & dicamba tolerance", ["glufosinate", "glyphosate", "dicamba"]),
        (
            "Tolerance to glufosinate 2,4-D, dicamba,and glyphosate herbicides",
            ["glufosinate", "twoFourD", "dicamba", "glyphosate"],
        ),
        ("Corn rootworm and lepidopteran resistance", ["coleoptera", "lepidoptera"]),
        (
            "Resistance to Western and Northern Corn rootworms and to European corn borer",
            ["coleoptera", "lepidoptera"],
        ),
        (
            "Western and Northern Corn Rootworms resistance/ Glyphosate tolerance",
            ["coleoptera", "glyphosate"],
        ),
        (
            "Male sterility / fertility restoration / glufosinate ammonium tolerance",
            ["maleSterility", "fertilityRestoration", "glufosinate"],
        ),
        (
            "Reduced levels of reducing sugars, reduced black spot, late blight resistance "
            "and potato virus Y resistance",
            ["acrylamide", "nonBrowning", "fungi", "potatoVirusY"],
        ),
        (
            "Tolerance to herbicides that inhibit HPPD (isoxaflutole, mesotrione), "
            "and to glufosinate ammonium",
            ["isoxaflutole", "mesotrione", "glufosinate"],
        ),
        ("Modified fatty acid profile and glyphosate tolerance", ["oilFattyAcids", "glyphosate"]),
    ],
)
def test_match_all(th, text, codes):
    assert [t.code for t in th.match_all(TRAITS, text)] == codes
    assert th.match(TRAITS, text).code == codes[0]


@pytest.mark.parametrize(
    ("domain", "text", "code"),
    [
        (TRAITS, "  GLYPHOSATE   tolerance!! ", "glyphosate"),
        (TRAITS, "Resistance to corn rootworms", "coleoptera"),  # plural
        (TRAITS, "resistance lepidoptera", "lepidoptera"),  # word order, small words
        (TRAITS, "Herbicide tolerance > Glyphosate", "glyphosate"),  # EUginius path
        (TRAITS, "Insect resistance > Coleoptera > Diabrotica", "coleoptera"),
        (TRAITS, "Résistance aux herbicides", "herbicides"),
        (TRAITS, "RESISTENCIA A HERBICIDAS", "herbicides"),
        (TRAITS, "草甘膦", "glyphosate"),
        (TRAITS, "Устойчивость к гербицидам", "herbicides"),
        (TRAITS, "مقاومة مبيدات الأعشاب", "herbicides"),
        ("techniqueUsed", "Microparticle bombardment of plant cells or tissue", "biolistic"),
        (
            "techniqueUsed",
            "Agrobacterium tumefaciens-mediated plant transformation.",
            "agrobacterium",
        ),
        (
            "techniqueUsed",
            "Conventional breeding - cross hybridization and selection involving "
            "transgenic donor(s)",
            "conventionalBreeding",
        ),
        ("techniqueUsed", "electroporation", "electroporation"),
        ("DecisionResults", "approvedWithCondition", "approvalWithConditions"),
        ("DecisionResults", "prohibited", "prohibition"),
        ("DecisionTypes", "Article 11", "art11"),
        ("decisiontypes", "art10", "art10"),
        ("DecisionScopes", "Cultivation", "release"),
        ("TypeOfOrganisms", "Plant", "plants"),
    ],
)
def test_match(th, domain, text, code):
    assert th.match(domain, text).code == code


def test_match_nothing(th):
    assert th.match(TRAITS, "purple elephants") is None
    assert th.match_all(TRAITS, "") == []
    assert th.match("NoSuchDomain", "Glyphosate") is None
    assert th.match("DecisionResults", "Glyphosate") is None  # domain-scoped


# -- loader validation ----------------------------------------------------------------------

GOOD = """
domain: Colours
title: {ar: الألوان, en: Colours, es: Colores, fr: Couleurs, ru: Цвета, zh: 颜色}
terms:
  - identifier: Colours.warm
    code: warm
    title: {ar: دافئة, en: Warm, es: Cálidos, fr: Chauds, ru: Тёплые, zh: 暖色}
    broader: []
  - code: red
    title: {ar: أحمر, en: Red, es: Rojo, fr: Rouge, ru: Красный, zh: 红色}
    broader: [warm]
    altLabels: [Scarlet]
    flags: [red_b]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_load_minimal_directory(tmp_path):
    th = Thesaurus.load(write(tmp_path, "Colours.yaml", GOOD), include_countries=False)
    assert [d.name for d in th.domains()] == ["Colours", "common"]
    red = th.term("colours.red")
    assert red.broader == ("Colours.warm",) and th.term("Colours.warm").narrower == ("Colours.red",)
    assert th.match("Colours", "scarlet") is red
    assert th.in_domain(OTHER_TERM, "Colours")
    assert th.domain("countries") is None


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("broader: [warm]", "broader: [cold]"), "unknown term 'cold'"),
        (lambda s: s.replace(", zh: 红色", ""), "title missing or empty in zh"),
        (lambda s: s.replace("ru: Красный, ", "ru: '', "), "title missing or empty in ru"),
        (lambda s: s.replace("ar: الألوان, ", ""), "domain Colours: title missing or empty in ar"),
        (lambda s: s.replace("code: red", "code: warm"), "duplicate code 'warm'"),
        (lambda s: s.replace("identifier: Colours.warm", "identifier: Colours.red"), "duplicate"),
        (lambda s: s.replace("identifier: Colours.warm", "identifier: warm-1"), "must be a GUID"),
        (lambda s: s.replace("    broader: []", "    broader: [red]"), "broader cycle"),
        (lambda s: s.replace("altLabels: [Scarlet]", "altLabels: [Warm]"), "also labels"),
        (lambda s: s.replace("flags: [red_b]", "flagz: [red_b]"), "unknown keys"),
        (lambda s: s + "  - code: 5x\n", "code must be"),
    ],
)
def test_load_errors(tmp_path, edit, message):
    write(tmp_path, "Colours.yaml", edit(GOOD))
    with pytest.raises(ThesaurusError, match=re.escape(message)):
        Thesaurus.load(tmp_path, include_countries=False)


def test_countries_domain_is_reserved(tmp_path):
    write(tmp_path, "Colours.yaml", GOOD.replace("domain: Colours", "domain: countries"))
    with pytest.raises(ThesaurusError, match="'countries' is built in"):
        Thesaurus.load(tmp_path)


def test_duplicate_identifiers_across_files(tmp_path):
    write(tmp_path, "Colours.yaml", GOOD)
    write(tmp_path, "More.yaml", GOOD.replace("domain: Colours", "domain: Shades"))
    with pytest.raises(ThesaurusError) as info:
        Thesaurus.load(tmp_path, include_countries=False)
    assert "duplicate term identifier Colours.warm" in str(info.value)


def test_load_rejects_broken_yaml_and_missing_dir(tmp_path):
    write(tmp_path, "Broken.yaml", "domain: [unclosed\n")
    with pytest.raises(ThesaurusError, match="cannot read YAML"):
        Thesaurus.load(tmp_path)
    with pytest.raises(ThesaurusError, match="not a directory"):
        Thesaurus.load(tmp_path / "missing")


def test_packaged_vocabularies_load_cleanly():
    th = Thesaurus.load(VOCABULARY_DIR)
    assert th.label_clashes == []
    assert len(th.domain(TRAITS).terms) >= 50
