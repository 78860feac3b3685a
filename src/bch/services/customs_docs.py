"""What a shipment document says besides its items: the Art. 18.2(a) elements and its own
"intended use" line.

Art. 18.2(a) of the Cartagena Protocol asks that documentation accompanying LMOs intended for
direct use as food or feed, or for processing, clearly identifies that they "may contain" LMOs
and are not intended for intentional introduction into the environment, and gives a contact
point for further information; the Parties later asked for the unique identifiers and the
address of the Biosafety Clearing-House for more information. Each element is reported as a
boolean with the text found (or null)."""

from __future__ import annotations

import re
from typing import Any

from bch.services.customs_extract import Item, Line

_MAY_CONTAIN = re.compile(
    r"may\s+contain|peut\s+contenir|puede\s+contener|могут\s+содержать|может\s+содержать"
    r"|可能含有|قد\s+تحتوي",
    re.IGNORECASE,
)
_BCH = re.compile(
    r"bch\.cbd\.int|biosafety\s+clearing[\s-]*house|centre\s+d'échange\s+pour\s+la\s+prévention"
    r"|centro\s+de\s+intercambio\s+de\s+información\s+sobre\s+seguridad|/api/v1/lmos/",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(\+|\btel\b|\bphone\b|téléphone|teléfono)[\s.:]*\+?[\d()][\d\s().-]{6,}\d")
_CONTACT_WORD = re.compile(
    r"contact|importer|exporter|consignee|shipper|importateur|exportateur|importador"
    r"|exportador",
    re.IGNORECASE,
)
_USE_LINE = re.compile(
    r"(intended|declared|end)[\s-]*use|purpose|utilisation\s+prévue|usage\s+prévu|uso\s+previsto"
    r"|destino|destination\s+of\s+the\s+goods",
    re.IGNORECASE,
)
# words of an intended-use line -> declared uses (most specific first)
_USE_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"field\s+trials?|essai\s+au\s+champ|ensayo\s+de\s+campo", re.I), "field_trial"),
    (re.compile(r"contained\s+use|utilisation\s+confinée|uso\s+confinado", re.I), "contained_use"),
    (
        re.compile(
            r"planting|sowing|cultivation|seed\s+for|semis|siembra|culture|cultivo|plantation",
            re.I,
        ),
        "cultivation",
    ),
    (re.compile(r"\btransit\b|tránsito", re.I), "transit"),
    (re.compile(r"processing|transformation|procesamiento|crushing|milling", re.I), "processing"),
    (
        re.compile(r"\bfood\b|alimentation\s+humaine|alimento\s+humano|consumo\s+humano", re.I),
        "food",
    ),
    (re.compile(r"\bfeed\b|animal|bétail|pienso|fourrag", re.I), "feed"),
)


def intended_uses(lines: list[Line]) -> tuple[list[str], str | None]:
    """Uses declared by the document's own "intended use" line, with that line's text."""
    for line in lines:
        if not _USE_LINE.search(line.text):
            continue
        found = []
        for pattern, use in _USE_WORDS:
            if pattern.search(line.text) and use not in found:
                found.append(use)
        if found:
            return found, line.text.strip()
    return [], None


def _first(lines: list[Line], pattern: re.Pattern[str], also=None) -> dict[str, Any] | None:
    for line in lines:
        if pattern.search(line.text) and (also is None or also.search(line.text)):
            return {"line": line.number, "text": line.text.strip()}
    return None


def documentation(lines: list[Line], items: list[Item]) -> dict[str, Any]:
    """The Art. 18.2(a) elements: each a boolean, and where it was found."""
    may = _first(lines, _MAY_CONTAIN)
    bch = _first(lines, _BCH)
    contact = _first(lines, _EMAIL, _CONTACT_WORD) or _first(lines, _PHONE, _CONTACT_WORD)
    contact = contact or _first(lines, _EMAIL)
    with_uid = [i for i in items if i.kind in ("uid", "uid_stack")]
    named = [i for i in items if i.kind not in ("uid", "uid_stack")]
    uids = {
        "value": bool(items) and not named,
        "found": [{"line": i.line, "text": i.text.strip()} for i in with_uid],
        "missing": [{"line": i.line, "text": i.text.strip()} for i in named],
    }
    return {
        "may_contain_statement": may is not None,
        "uids_given": uids["value"],
        "bch_address": bch is not None,
        "contact": contact is not None,
        "found": {
            "may_contain_statement": may,
            "uids_given": uids["found"],
            "uids_missing": uids["missing"],
            "bch_address": bch,
            "contact": contact,
        },
    }
