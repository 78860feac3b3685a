"""Every field of every record type has a label in the six page languages (no English field names
on the Arabic, Chinese or Russian pages)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from bch.records.fields import FieldDef
from bch.records.languages import LANGUAGES
from bch.records.realms import get_registry
from bch.web import i18n
from bch.web.display import humanize, label
from tests.web.conftest import client, sign_in


def every_field() -> Iterator[tuple[str, FieldDef]]:
    """(realm:schema:path, field) for every field, nested fields of objects included."""

    def walk(where: str, fields: dict[str, FieldDef]) -> Iterator[tuple[str, FieldDef]]:
        for key, f in fields.items():
            yield f"{where}.{key}", f
            if f.fields:
                yield from walk(f"{where}.{key}", f.fields)

    for code, realm in get_registry().realms.items():
        for rt in realm.schemas.values():
            yield from walk(f"{code}:{rt.name}", rt.fields)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_field_has_a_label_in_each_language(lang):
    fields = list(every_field())
    assert len(fields) > 400
    token = i18n.current_language.set(lang)
    try:
        unlabelled = []
        for where, f in fields:
            shown = label(f)
            if not shown.strip() or (lang in ("ar", "ru", "zh") and shown == humanize(f.name)):
                unlabelled.append(where)
    finally:
        i18n.current_language.reset(token)
    assert not unlabelled, f"{lang}: fields shown under their English name: {unlabelled}"


def test_arabic_decision_form_has_no_english_field_names(small):
    c = client(small["svc"])
    sign_in(c, "nfp@example.org", "ar")
    r = c.get("/ar/submit/biosafetyDecision")
    assert r.status_code == 200
    shown = {
        html.unescape(t).strip()
        for t in re.findall(
            r'(?:<label for="i-[^"]*"|<span class="label"[^>]*|<legend)>([^<]*)', r.text
        )
    }
    assert len(shown) > 20
    rt = small["svc"].registry.record_type("biosafetyDecision")
    english = {humanize(name) for name in rt.fields}
    assert not shown & english, sorted(shown & english)
    assert "تاريخ استلام الإخطار" in shown  # receiptDate
