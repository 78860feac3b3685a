"""Rich-text test material: a document of any record type with every rich-text field filled,
attacks that must stay inert, planting of unsanitised bodies (rows stored before sanitising on
the way in existed), and a check that a rendered page runs nothing from them."""

from __future__ import annotations

import uuid
from typing import Any

from bs4 import BeautifulSoup
from sqlalchemy import select, update

from bch.records.fields import FieldDef, RecordType
from bch.services.richtext import ALLOWED_TAGS
from bch.storage.tables import documents, revisions

ATTACK = (
    '<p>{marker}<script>alert("xss-script")</script></p>'
    '<img src="x" onerror="alert(\'xss-onerror\')">'
    '<a href="javascript:alert(1)">js</a><a href=" JaVaScRiPt:alert(2)">js2</a>'
    '<p onclick="steal()" style="background:url(javascript:x)">handler</p>'
    '<iframe src="https://evil.example"></iframe><svg onload="alert(3)"><circle/></svg>'
    '<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>'
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(4)></style></mglyph></table>"
    "</mtext></math>"
    '</div></dd></dl></section><script>alert("xss-breakout")</script>'
)


SHORT_ATTACK = "<p>{marker}<img src=x onerror=alert(5)><script>alert(6)</script></p>"


def rich_paths(fields: dict[str, FieldDef], prefix: str = "") -> list[str]:
    out = []
    for key, f in fields.items():
        if f.type == "lstring" and f.rich:
            out.append(prefix + key)
        elif f.type == "object":
            out += rich_paths(f.fields or {}, f"{prefix}{key}.")
    return out


def rich_document(rt: RecordType, marker_for) -> dict[str, Any]:
    """A document of `rt` whose every rich-text field (nested ones too) holds the attacks and
    the visible marker_for(path) (the short attacks where the field's length is limited)."""

    def fill(fields: dict[str, FieldDef], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, f in fields.items():
            if f.type == "lstring" and f.rich:
                text = ATTACK.format(marker=marker_for(prefix + key))
                if f.max_length and len(text) > f.max_length:
                    text = SHORT_ATTACK.format(marker=marker_for(prefix + key))
                out[key] = {"en": text}
            elif f.type == "object":
                inner = fill(f.fields or {}, f"{prefix}{key}.")
                if inner:
                    out[key] = [inner] if f.many else inner
        return out

    doc = {
        "header": {
            "identifier": f"rich-{uuid.uuid4().hex[:16]}",
            "schema": rt.name,
            "languages": ["en"],
        },
        **fill(rt.fields, ""),
    }
    if rt.type == "national":
        doc["government"] = {"identifier": "CA"}
    return doc


def plant_unsanitised(svc, identifier: str, body: dict[str, Any], revision: int) -> None:
    """Write `body` as stored revision `revision`, past the sanitiser (as rows stored before it)."""
    with svc.engine.begin() as conn:
        doc_id = conn.execute(
            select(documents.c.id).where(documents.c.identifier == identifier)
        ).scalar_one()
        conn.execute(
            update(revisions)
            .where(revisions.c.document_id == doc_id, revisions.c.revision == revision)
            .values(body=body)
        )


def assert_inert(html: str) -> BeautifulSoup:
    """Nothing on the page runs: only the site's own script files, no event handler attribute,
    no javascript:/data: link, no frame or plugin, and only allowed tags in rich-text blocks."""
    soup = BeautifulSoup(html, "html.parser")
    for script in soup.find_all("script"):
        assert (script.get("src") or "").startswith("/") and not script.get_text().strip(), script
    for el in soup.find_all(True):
        for name, value in el.attrs.items():
            assert not name.lower().startswith("on"), (el.name, name, value)
            for v in value if isinstance(value, list) else [value]:
                squeezed = "".join(str(v).split()).lower()
                assert "javascript:" not in squeezed, (el.name, name, v)
                if name in ("href", "src", "action", "formaction"):
                    assert not squeezed.startswith("data:"), (el.name, name, v)
    assert not soup.find_all(["iframe", "object", "embed", "math"])
    for block in soup.select(".rich, .summary"):
        tags = {el.name for el in block.find_all(True)}
        assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    return soup
