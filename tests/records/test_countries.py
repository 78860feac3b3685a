import re

import pytest

from bch.records.countries import NON_ISO_CODES, countries, country, is_country
from bch.records.languages import LANGUAGES
from bch.records.thesaurus import get_thesaurus


def test_iso_3166_count_plus_eu():
    codes = [c.code for c in countries()]
    assert len(codes) == 250
    assert len([c for c in countries() if not c.is_region_of_integration]) == 249
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in codes)


def test_every_country_named_in_six_languages():
    assert len(countries()) == 250
    for c in countries():
        assert set(c.name) == set(LANGUAGES), c.code
        assert all(c.name[lang].strip() for lang in LANGUAGES), c.code


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        ("CA", "en", "Canada"),
        ("CA", "fr", "Canada"),
        ("CA", "es", "Canadá"),
        ("CA", "ru", "Канада"),
        ("CA", "ar", "كندا"),
        ("CA", "zh", "加拿大"),
        ("KE", "en", "Kenya"),
        ("KE", "es", "Kenia"),
        ("KE", "ru", "Кения"),
        ("KE", "ar", "كينيا"),
        ("KE", "zh", "肯尼亚"),
        ("cn", "zh", "中国"),
        ("CN", "fr", "Chine"),
        ("CN", "ru", "Китай"),
        ("CN", "ar", "الصين"),
    ],
)
def test_names(code, lang, name):
    assert country(code).name[lang] == name


def test_european_union():
    eu = country("eu")
    assert eu is not None and eu.is_region_of_integration
    assert eu.name["en"] == "European Union"
    assert eu.name["fr"] == "Union européenne"
    assert eu.name["zh"] == "欧盟"
    assert [c.code for c in countries() if c.is_region_of_integration] == ["EU"]


@pytest.mark.parametrize(
    "code", ["XK", "ZZ", "UN", "EZ", "QO", "AC", "IC", "EA", "XA", "001", "419"]
)
def test_non_iso_region_codes_excluded(code):
    assert not is_country(code)


@pytest.mark.parametrize(
    "code", ["AQ", "BV", "UM", "SS", "BQ", "SX", "CW", "PS", "TW", "HK", "EH", "AX"]
)
def test_iso_codes_included(code):
    assert is_country(code)


def test_lookup_is_case_insensitive_and_strict():
    assert country("ke") is country("KE")
    assert country(" fr ").code == "FR"
    for bad in ["", "USA", "xx", "C"]:
        assert country(bad) is None
    assert "EU" in NON_ISO_CODES  # ISO-wise it is only exceptionally reserved


def test_countries_domain_in_thesaurus():
    th = get_thesaurus()
    domain = th.domain("countries")
    assert domain is not None and len(domain.terms) == 250
    assert th.term("ke").identifier == "KE"
    assert th.term("KE").title["zh"] == "肯尼亚"
    assert th.in_domain("ca", "countries")
    assert not th.in_domain("XK", "countries")
    assert not th.in_domain("CA", "DecisionTypes")
    assert th.match("countries", "Kenia").identifier == "KE"
    assert th.match("countries", "Chine").identifier == "CN"
    assert th.term("EU").flags == ("regionOfIntegration",)
