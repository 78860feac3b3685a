"""The importer writes sentences; its rich-text fields hold them as HTML that reads the same
(issue 17: an "&" in a trait list is stored "&amp;" and shown "&", never "&amp;amp;")."""

from __future__ import annotations

import re

from bch.records.realms import get_registry
from bch.services.richtext import as_text, clean_html, map_rich

BARE = re.compile(r"&(?!(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);)|<|>")


def test_rich_fields_of_the_plan_are_sanitised_html(plan_documents):
    registry = get_registry()
    seen: list[str] = []
    for doc in plan_documents:
        rt = registry.record_type(doc["header"]["schema"])

        def check(value: str) -> str:
            assert not BARE.search(value), value  # text escaped once
            assert clean_html(value) == value  # publishing changes nothing
            seen.append(value)
            return value

        map_rich(rt, doc, check)
    assert len(seen) > 1000
    # CFIA applicant "Monsanto Canada Inc. & Forage Genetics International, LLC" (KK179; the
    # traits of KWS20-1 that held an "&" now come from the BCH registry, issue 16)
    kk179 = [v for v in seen if "KK179" in v and "Traits:" in v]
    assert kk179 and "Monsanto Canada Inc. &amp; Forage Genetics" in kk179[0]
    assert "Monsanto Canada Inc. & Forage Genetics" in as_text(kk179[0])
