"""Record bodies in the BCH's own shapes, where this installation stores a field differently.

`geneConstructs` (BCH-FORMATS.md 1.2): the BCH writes the LMO gene-construct map as an array of
arrays of TranscriptElement `{type, identifier, size}`, one inner array per construct, the
identifier being the genetic element's (GENE) identifier. Here a construct is one object,
`{"elements": [{"type", "identifier": {"identifier": ...}, "size"}]}`, so that the record form,
validation and the JSON Schema can name it; the v2013 surface answers in the BCH's shape."""

from __future__ import annotations

from typing import Any

TRANSCRIPT_ELEMENT = ("type", "identifier", "size")


def _element(element: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in TRANSCRIPT_ELEMENT:
        value = element.get(key)
        if isinstance(value, dict):  # a reference: the BCH gives the identifier itself
            value = value.get("identifier")
        if value is not None and value != "":
            out[key] = value
    return out


def gene_constructs(constructs: Any) -> list[list[dict[str, Any]]]:
    """Our constructs -> the BCH's list of lists of TranscriptElement."""
    if not isinstance(constructs, list):
        return []
    return [
        [_element(e) for e in c.get("elements") or [] if isinstance(e, dict)]
        for c in constructs
        if isinstance(c, dict)
    ]


def to_bch(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of `body` in the BCH's shapes (the body itself when nothing differs)."""
    if "geneConstructs" not in body:
        return body
    return {**body, "geneConstructs": gene_constructs(body["geneConstructs"])}
