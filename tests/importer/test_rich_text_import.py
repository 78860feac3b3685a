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
    kws = [v for v in seen if "KWS20-1" in v and "Traits:" in v]
    assert kws and "glyphosate &amp; dicamba" in kws[0]
    assert "glyphosate & dicamba" in as_text(kws[0])
