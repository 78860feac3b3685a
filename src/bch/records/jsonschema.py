"""Publish record types as JSON Schema (draft 2020-12)."""

from __future__ import annotations

from typing import Any

from bch.records.fields import FieldDef, RecordType
from bch.records.languages import LANGUAGES

_BASE = "/api/v1/schemas"


def _defs() -> dict[str, Any]:
    lang_props = {lang: {"type": "string"} for lang in LANGUAGES}
    return {
        "lstring": {
            "type": "object",
            "description": "Text per language; only the record's declared languages are allowed.",
            "properties": lang_props,
            "additionalProperties": False,
        },
        "term": {
            "type": "object",
            "properties": {
                "identifier": {"type": "string"},
                "customValue": {"$ref": "#/$defs/lstring"},
            },
            "required": ["identifier"],
            "additionalProperties": False,
        },
        "reference": {
            "type": "object",
            "description": "Another record by header identifier; 'identifier@revision' pins a revision.",
            "properties": {"identifier": {"type": "string"}},
            "required": ["identifier"],
            "additionalProperties": False,
        },
        "link": {
            "type": "object",
            "properties": {
                "url": {"type": "string", "format": "uri"},
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "tag": {"type": "string"},
                "language": {"type": "string"},
            },
            "required": ["url"],
            "additionalProperties": False,
        },
        "header": {
            "type": "object",
            "properties": {
                "identifier": {"type": "string", "pattern": "^[A-Za-z0-9\\-_]{11,128}$"},
                "schema": {"type": "string"},
                "realm": {"type": "string", "description": "BCH unless given (CHM, ...)"},
                "languages": {
                    "type": "array",
                    "items": {"enum": list(LANGUAGES)},
                    "minItems": 1,
                    "uniqueItems": True,
                },
            },
            "required": ["identifier", "schema", "languages"],
            "additionalProperties": False,
        },
    }


def _field_schema(f: FieldDef) -> dict[str, Any]:
    simple: dict[str, dict[str, Any]] = {
        "string": {"type": "string"},
        "boolean": {"type": "boolean"},
        "integer": {"type": "integer"},
        "number": {"type": "number"},
        "date": {"type": "string", "format": "date"},
        "datetime": {"type": "string", "format": "date-time"},
        "email": {"type": "string", "format": "email"},
        "url": {"type": "string", "format": "uri"},
        "oecdUid": {"type": "string", "description": "OECD unique identifier, e.g. MON-ØØ81Ø-6"},
        "lstring": {"$ref": "#/$defs/lstring"},
        "term": {"$ref": "#/$defs/term"},
        "reference": {"$ref": "#/$defs/reference"},
        "link": {"$ref": "#/$defs/link"},
    }
    if f.type == "object":
        one: dict[str, Any] = {
            "type": "object",
            "properties": {k: _field_schema(v) for k, v in (f.fields or {}).items()},
            "additionalProperties": False,
        }
    else:
        one = dict(simple[f.type])
    if f.max_length and f.type == "string":
        one["maxLength"] = f.max_length
    if f.enum:
        one["enum"] = f.enum
    out: dict[str, Any] = {"type": "array", "items": one} if f.many else one
    if f.title.get("en"):
        out["title"] = f.title["en"]
    extras: dict[str, Any] = {}
    if f.domain:
        extras["x-thesaurus-domain"] = f.domain
        extras["x-thesaurus-url"] = f"/api/v1/thesaurus/domains/{f.domain}/terms"
    if f.schemas:
        extras["x-reference-schemas"] = f.schemas
    if f.confidential:
        extras["x-confidential"] = True
    if f.rich:
        extras["x-rich-text"] = True
    if f.required_when:
        extras["x-required-when"] = [c.model_dump(exclude_none=True) for c in f.required_when]
    if f.shown_when:
        extras["x-shown-when"] = [c.model_dump(exclude_none=True) for c in f.shown_when]
    return {**out, **extras}


def record_type_schema(rt: RecordType) -> dict[str, Any]:
    props: dict[str, Any] = {"header": {"$ref": "#/$defs/header"}}
    props.update({k: _field_schema(f) for k, f in rt.fields.items()})
    required = ["header", *[k for k, f in rt.fields.items() if f.required]]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{_BASE}/{rt.name}",
        "title": rt.title.get("en", rt.name),
        "description": rt.description.get("en", ""),
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
        "$defs": _defs(),
        "x-realm": rt.realm,
        "x-schema": rt.name,
        "x-short-code": rt.short_code,
        "x-record-type": rt.type,
        "x-titles": rt.title,
        "x-title-fields": rt.title_fields,
    }


def schema_summary(rt: RecordType) -> dict[str, Any]:
    return {
        "schema": rt.name,
        "realm": rt.realm,
        "shortCode": rt.short_code,
        "type": rt.type,
        "title": rt.title,
        "titlePlural": rt.title_plural,
        "url": f"{_BASE}/{rt.name}",
    }
