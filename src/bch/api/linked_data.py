"""JSON-LD: records as schema.org resources plus the BCH vocabulary published at /api/v1/vocab.

Each record type is a class of the BCH vocabulary (`bch:biosafetyDecision`) and also carries the
nearest schema.org type; its fields are properties of the vocabulary (`bch:decisionTypes`)."""

from __future__ import annotations

from typing import Any

from bch.records.identifiers import REFERENCE_OWNER
from bch.records.languages import display
from bch.records.realms import RealmRegistry
from bch.services.records import RecordView
from bch.storage.rows import iso_utc

VOCAB_PATH = "/api/v1/vocab"
SCHEMA_ORG_TYPES = {
    "modifiedOrganism": "BioChemEntity",
    "dnaSequence": "BioChemEntity",
    "organism": "Taxon",
    "biosafetyDecision": "GovernmentPermit",
    "biosafetyLaw": "Legislation",
    "authority": "GovernmentOrganization",
    "supplementaryAuthority": "GovernmentOrganization",
    "focalPoint": "ContactPoint",
    "contact": "Person",
    "biosafetyExpert": "Person",
    "organization": "Organization",
    "laboratoryDetection": "Organization",
    "database": "WebSite",
    "biosafetyNews": "NewsArticle",
    "capacityBuildingInitiative": "Project",
}


def context(base: str) -> dict[str, Any]:
    return {"@vocab": "https://schema.org/", "bch": f"{base}{VOCAB_PATH}#"}


def record_jsonld(view: RecordView, base: str, lang: str) -> dict[str, Any]:
    doc, rev = view.doc, view.revision
    body = {k: v for k, v in view.document.items() if k != "header"}
    return {
        "@context": context(base),
        "@id": f"{base}/api/v1/records/{view.uid}",
        "@type": [SCHEMA_ORG_TYPES.get(doc.schema, "CreativeWork"), f"bch:{doc.schema}"],
        "identifier": view.uid,
        "name": display(doc.title, lang),
        "inLanguage": view.document.get("header", {}).get("languages", []),
        "dateCreated": iso_utc(doc.created_at),
        "dateModified": iso_utc(rev.created_at),
        "version": rev.revision,
        "bch:headerIdentifier": doc.identifier,
        "bch:country": None if doc.owner == REFERENCE_OWNER else doc.owner,
        **{f"bch:{k}": v for k, v in body.items()},
    }


def vocabulary(registry: RealmRegistry, base: str) -> dict[str, Any]:
    """The BCH vocabulary: one class per record type, one property per field."""
    graph: list[dict[str, Any]] = []
    properties: dict[str, dict[str, Any]] = {}
    for rt in registry.all():
        graph.append(
            {
                "@id": f"bch:{rt.name}",
                "@type": "rdfs:Class",
                "rdfs:label": _lang_values(rt.title),
                "rdfs:comment": _lang_values(rt.description),
                "rdfs:subClassOf": {
                    "@id": f"schema:{SCHEMA_ORG_TYPES.get(rt.name, 'CreativeWork')}"
                },
                "bch:realm": rt.realm,
                "bch:shortCode": rt.short_code,
            }
        )
        for key, f in rt.fields.items():
            entry = properties.setdefault(
                key,
                {
                    "@id": f"bch:{key}",
                    "@type": "rdf:Property",
                    "rdfs:label": _lang_values(f.title) or key,
                    "bch:fieldType": f.type,
                    "schema:domainIncludes": [],
                },
            )
            entry["schema:domainIncludes"].append({"@id": f"bch:{rt.name}"})
    graph.extend(properties.values())
    return {
        "@context": {
            "bch": f"{base}{VOCAB_PATH}#",
            "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "schema": "https://schema.org/",
        },
        "@graph": graph,
    }


def _lang_values(value: dict[str, str]) -> list[dict[str, str]]:
    return [{"@language": lang, "@value": text} for lang, text in value.items() if text]
