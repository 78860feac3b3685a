"""Interface labels built in Python (translated at call time, in the current page language)."""

from __future__ import annotations

from bch.records.realms import RealmRegistry
from bch.web.i18n import _, text


def status_labels() -> dict[str, str]:
    return {
        "approved": _("Approved"),
        "approvedWithConditions": _("Approved with conditions"),
        "prohibited": _("Prohibited"),
        "pending": _("Pending or more information requested"),
        "unknown": _("Status not stated"),
    }


def facet_labels() -> dict[str, str]:
    return {
        "schema": _("Record type"),
        "country": _("Country"),
        "region": _("Region"),
        "decisionType": _("Decision type"),
        "decisionResult": _("Decision result"),
        "trait": _("Trait"),
        "organism": _("Crop or organism"),
    }


def region_labels() -> dict[str, str]:
    """UN M49 regions as the search index stores them (English names)."""
    return {
        "Africa": _("Africa"),
        "Americas": _("Americas"),
        "Asia": _("Asia"),
        "Europe": _("Europe"),
        "Oceania": _("Oceania"),
    }


def sort_labels() -> dict[str, str]:
    return {"relevance": _("Relevance"), "-updatedAt": _("Newest first"), "title": _("Title")}


def type_titles(registry: RealmRegistry) -> dict[str, str]:
    """schema -> record type title in the page language (BCH realm first)."""
    out: dict[str, str] = {}
    for rt in registry.all():
        out.setdefault(rt.name, text(rt.title))
    return out


def type_plural(registry: RealmRegistry) -> dict[str, str]:
    out: dict[str, str] = {}
    for rt in registry.all():
        out.setdefault(rt.name, text(rt.title_plural or rt.title))
    return out


def request_states() -> dict[str, str]:
    return {
        "pending": _("Waiting for a decision"),
        "approved": _("Approved and published"),
        "rejected": _("Rejected"),
        "expired": _("Expired"),
    }


def role_labels() -> dict[str, str]:
    return {
        "nfp": _("National focal point"),
        "nau": _("National authorized user"),
        "secretariat": _("Secretariat"),
        "user": _("Registered user"),
    }


def problem_text(code: str, message: str) -> str:
    """A validation problem in the page language (the service's English text when no
    translation fits the code)."""
    known = {
        "Error.Mandatory": _("This field is required."),
        "Error.BrokenReference": _("No published record has this identifier."),
        "Error.InvalidReference": _("This record cannot be referenced here."),
        "Error.UnexpectedTerm": _("This term is not allowed here."),
        "Error.UnspecifiedLocale": _("Give the text in a language of the record."),
    }
    return known.get(code, message)


def field_labels() -> dict[str, str]:
    """Labels of common fields that the record type definitions leave untitled."""
    return {
        "developers": _("Developers"),
        "description": _("Description"),
        "recipientOrganisms": _("Recipient organisms"),
        "recipientOrganismCollectionPoint": _("Collection point of the recipient organism"),
        "linkedModifiedOrganisms": _("Component LMOs"),
        "vector": _("Vector"),
        "techniqueUsed": _("Techniques used"),
        "genes": _("Genetic elements"),
        "geneNotes": _("Notes on the genetic elements"),
        "affectedGenes": _("Affected genes"),
        "affectedGeneNotes": _("Notes on the affected genes"),
        "isGeneEdited": _("Gene edited"),
        "traits": _("Traits"),
        "commonUses": _("Common uses"),
        "detectionMethod": _("Detection method"),
        "detectionMethodLinks": _("Detection methods (links)"),
        "relevantInformation": _("Relevant information"),
        "relevantDocuments": _("Relevant documents"),
        "notes": _("Notes (confidential)"),
        "amendedRecords": _("Amended records"),
        "amendmentsDetails": _("Details of the amendments"),
        "decisionTypes": _("Decision type"),
        "decisionResult": _("Decision result"),
        "scopes": _("Scopes"),
        "uses": _("Uses"),
        "modifiedOrganisms": _("Living modified organisms"),
        "riskAssessments": _("Risk assessments"),
        "documents": _("Documents"),
        "expires": _("Expires"),
        "importers": _("Importers"),
        "exporters": _("Exporters"),
        "conditions": _("Conditions"),
        "reasons": _("Reasons"),
        "organizations": _("Organizations"),
        "contacts": _("Contacts"),
        "organismType": _("Organism type"),
        "family": _("Family"),
        "genus": _("Genus"),
        "species": _("Species"),
        "kingdom": _("Kingdom"),
        "donorOrganisms": _("Donor organisms"),
        "proteinName": _("Protein name"),
        "biologicalFunction": _("Biological function"),
        "isSynthetic": _("Synthetic"),
        "synonymNames": _("Synonyms"),
        "plantCultivar": _("Plant cultivar"),
        "government": _("Country"),
        "services": _("Services"),
        "organization": _("Organization"),
    }
