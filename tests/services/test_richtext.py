"""Rich text (issue 17): sanitised once when published by any way in (drafts, the importer, the
record service), read back as text where HTML is not wanted, plain text turned into HTML that
reads the same."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bch.services.errors import NotFound, ValidationFailed
from bch.services.richtext import as_text, clean_html, from_plain_text, markup
from tests import factories

# words without whitespace or control characters, joined by single spaces
WORDS = st.lists(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12
    ),
    min_size=1,
    max_size=8,
).map(" ".join)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("R&amp;D costs &lt; 5%", "R&D costs < 5%"),
        ("<p>One</p><p>Two <b>bold</b></p><ul><li>a</li><li>b</li></ul>", "One\nTwo bold\na\nb"),
        ("tab\tand  spaces<br>next", "tab and spaces\nnext"),
        ("<p>x<script>alert(1)</script>y</p>", "xy"),
        ("Glufosinate, glyphosate & dicamba", "Glufosinate, glyphosate & dicamba"),
        ("plain", "plain"),
    ],
)
def test_as_text_is_what_the_reader_of_the_html_sees(html, text):
    assert as_text(html) == text


def test_markup_is_sanitised_html_escaped_once():
    assert markup("R&amp;D costs &lt; 5%") == "R&amp;D costs &lt; 5%"
    assert markup("R&D costs < 5%") == "R&amp;D costs &lt; 5%"  # an unsanitised legacy value
    assert markup("<b>bold</b>") == "<b>bold</b>"
    out = markup('<img src=x onerror=alert(1)><a href="javascript:x">l</a>').lower()
    assert "onerror" not in out and "javascript" not in out and "<img" not in out
    assert markup(clean_html("<p>R&D</p>")) == clean_html("<p>R&D</p>")  # no second escape


@given(WORDS)
def test_plain_text_becomes_html_that_reads_the_same(text):
    html = from_plain_text(text)
    assert clean_html(html) == html  # publishing it changes nothing
    assert as_text(html) == text


def test_publishing_sanitises_without_a_draft(services):
    doc = factories.organism(
        "Zea mays",
        relevantInformation={"en": "<p>R&D <b>ok</b><script>alert(1)</script></p>", "fr": "R&D"},
    )
    doc["header"]["languages"] = ["en", "fr"]
    services.records.publish(doc)
    stored = services.records.get(doc["header"]["identifier"]).document
    assert stored["relevantInformation"] == {"en": "<p>R&amp;D <b>ok</b></p>", "fr": "R&amp;D"}
    assert stored["scientificName"] == "Zea mays"  # plain text untouched


def test_a_required_rich_field_left_empty_by_the_sanitiser_is_refused(services):
    doc = {
        "header": {
            "identifier": factories.ident("nt"),
            "schema": "nationalTarget",
            "languages": ["en"],
        },
        "government": {"identifier": "CA"},
        "title": {"en": "Target 1 (synthetic)"},
        "description": {"en": "<script>alert(1)</script>"},
    }
    with pytest.raises(ValidationFailed) as caught:
        services.records.publish(doc)
    assert [(e["code"], e["path"]) for e in caught.value.errors] == [
        ("Error.Mandatory", "description")
    ]
    with pytest.raises(NotFound):  # nothing was stored
        services.records.get(doc["header"]["identifier"])
