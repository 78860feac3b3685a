"""Interface labels built in Python (translated at call time, in the current page language)."""

from __future__ import annotations

from bch.records.realms import RealmRegistry
from bch.web.i18n import _, per_language, text


@per_language
def status_labels() -> dict[str, str]:
    return {
        "approved": _("Approved"),
        "approvedWithConditions": _("Approved with conditions"),
        "prohibited": _("Prohibited"),
        "pending": _("Pending or more information requested"),
        "unknown": _("Status not stated"),
        "reported": _("Reported approved by ISAAA (not a decision published in the BCH)"),
    }


@per_language
def method_labels() -> dict[str, str]:
    """Detection method types and scopes as the detection-method table stores them."""
    return {
        "qualitative": _("qualitative"),
        "quantitative": _("quantitative"),
        "event-specific": _("event-specific"),
        "construct-specific": _("construct-specific"),
        "element-specific": _("element-specific"),
        "taxon-specific": _("taxon-specific"),
    }


def facet_labels() -> dict[str, str]:
    return {
        "realm": _("Realm"),
        "schema": _("Record type"),
        "country": _("Country"),
        "region": _("Region"),
        "decisionType": _("Decision type"),
        "decisionResult": _("Decision result"),
        "trait": _("Trait"),
        "organism": _("Crop or organism"),
    }


def extra_filter_labels() -> dict[str, str]:
    """Filters the search page honours without a facet list (links from LMO pages, the API)."""
    return {
        "lmoUid": _("LMO"),
        "decisionDateFrom": _("Decided on or after"),
        "decisionDateTo": _("Decided on or before"),
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
        "Error.InvalidType": _("This value has the wrong form."),
        "Error.InvalidValue": _("This value is not valid."),
        "Error.InvalidProperty": _("This field is not part of the record type."),
        "Error.UnknownSchema": _("This record type is unknown."),
        "Warning.Mandatory": _("This field should be filled in."),
        "Warning.OecdUid": _("Check this OECD unique identifier."),
    }
    return known.get(code, message)


@per_language
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
        # the other fields of the BCH and CHM record types (wording of the BCH forms)
        "acronym": _("Acronym"),
        "activities": _("Activities"),
        "additionalDocuments": _("Additional documents"),
        "additionalImplementationInfo": _("Additional information on implementation"),
        "additionalInformation": _("Additional information"),
        "address": _("Address"),
        "addressesTransboundaryMovement": _("Decision on the transboundary movement of LMOs"),
        "addressGenes": _("Addresses genetic elements"),
        "addressLine1": _("Address line 1"),
        "addressLine2": _("Address line 2"),
        "addressModifiedOrganisms": _("Addresses living modified organisms"),
        "addressOrganisms": _("Addresses organisms"),
        "adverseEffectInformation": _("Information on possible adverse effects"),
        "adverseEffects": _("Possible adverse effects"),
        "adverseEffectsConsequence": _("Consequences of the adverse effects"),
        "adverseEffectsLikelihood": _("Likelihood of the adverse effects"),
        "adverseEffectsOverallRisk": _("Overall risk"),
        "adverseEffectsRecommendation": _("Recommendation on the acceptability of the risks"),
        "agreementLinks": _("Agreements (links)"),
        "agreements": _("Agreements"),
        "appliesToSubsequentImports": _("Applies to subsequent imports of the same LMO"),
        "appliesToSubsequentIntroductions": _(
            "Applies to subsequent introductions of the same LMO"
        ),
        "appliesToTransboundaryMovement": _("Applies to transboundary movement"),
        "areasOfWork": _("Areas of work"),
        "authorities": _("Competent national authorities"),
        "authors": _("Authors"),
        "bacteriaPathovar": _("Pathovar (bacteria)"),
        "bestPractices": _("Best practices and lessons learned"),
        "biosafety": _("Biosafety"),
        "birthCountry": _("Country of birth"),
        "birthYear": _("Year of birth"),
        "broaderProjects": _("Broader projects or programmes"),
        "categories": _("Categories"),
        "certifications": _("Certifications and accreditations"),
        "city": _("City"),
        "_class": _("Class"),
        "codexConducted": _("Food safety assessment conducted according to the Codex guideline"),
        "coFinancingSources": _("Co-financing sources"),
        "collaboratingPartners": _("Collaborating partners"),
        "communicationDate": _("Date of communication of the decision"),
        "compatibleSpecies": _("Sexually compatible species"),
        "coreFundingSources": _("Core funding sources"),
        "countries": _("Countries"),
        "countriesWorkedIn": _("Countries worked in"),
        "country": _("Country"),
        "countryRegions": _("Countries and regions"),
        "covers": _("Cover images"),
        "cpbOrganismTypes": _("Types of LMOs covered"),
        "currentEmployment": _("Current employment"),
        "date": _("Date of the risk assessment"),
        "dateOfRaNotAvailable": _("Date of the risk assessment not available"),
        "degreeOfAlignmentInfo": _("Degree of alignment with the global targets"),
        "department": _("Department"),
        "designation": _("Position"),
        "detectableGenes": _("Detectable genetic elements"),
        "detectableLmos": _("Detectable LMOs"),
        "detectionMethods": _("Detection methods"),
        "diversityCentre": _("Centre of genetic diversity"),
        "documentsInfo": _("Information on the documents"),
        "documentsSummary": _("Summary of the risk assessment documents"),
        "donorOrganismCollectionPoint": _("Collection point of the donor organism"),
        "durationPeriod": _("Duration (months)"),
        "durationText": _("Duration"),
        "emails": _("Email addresses"),
        "endDate": _("End date"),
        "entryIntoForce": _("Date of entry into force"),
        "estimatedQuantities": _("Estimated quantities"),
        "eventTypes": _("Event types"),
        "executingAgencies": _("Executing agencies"),
        "exemptedFromAIA": _("Exempt from the advance informed agreement procedure"),
        "expertise": _("Areas of expertise"),
        "extensionPeriod": _("Extension of the decision period (days)"),
        "faxes": _("Fax numbers"),
        "firstName": _("First name"),
        "forwardToFAO": _("Shared with the FAO GM Foods Platform"),
        "forwardToOECD": _("Shared with the OECD BioTrack Product Database"),
        "fundingStatus": _("Funding status"),
        "gender": _("Gender"),
        "geographicalDistribution": _("Geographical distribution"),
        "gisFiles": _("GIS files"),
        "habitat": _("Habitat"),
        "hasNonStateActors": _("Non-state actors involved"),
        "implementingAgencies": _("Implementing agencies"),
        "implementingConsiderationsInfo": _("Considerations for implementation"),
        "institution": _("Institution"),
        "instrument": _("Cooperation instrument"),
        "involvesCommercialRelease": _("Involves commercial release"),
        "involvesFieldTrial": _("Involves field trials"),
        "isAmendment": _("Amends an earlier law, regulation or guideline"),
        "isForCommercialUse": _("For commercial use"),
        "isForFoodSafety": _("Concerns food safety"),
        "isOnline": _("Online event"),
        "isProjectProgramme": _("Part of a project or programme"),
        "jurisdiction": _("Jurisdiction"),
        "jurisdictions": _("Jurisdictions"),
        "jurisdictionsDetails": _("Details of the jurisdictions"),
        "lastName": _("Last name"),
        "linkedOrganizations": _("Linked organizations"),
        "lmoTypes": _("Types of LMOs"),
        "lmoUseInformation": _("Information on the intended use of the LMO"),
        "mainPolicyOfMeasureOrActionInfo": _("Main policy measures or actions"),
        "microorganismStrain": _("Strain (microorganisms)"),
        "middleName": _("Middle name"),
        "mobiles": _("Mobile phone numbers"),
        "movementAllowedUnderA131A": _("Movement allowed under Article 13.1(a)"),
        "name": _("Name"),
        "nationalities": _("Nationalities"),
        "nationalTargets": _("National targets"),
        "newsAbstract": _("Abstract"),
        "newsText": _("Text of the news item"),
        "nodeAddress": _("Website of the news source"),
        "nonStateActorCommitmentInfo": _("Commitments of non-state actors"),
        "nonStateActorsInfo": _("Information on non-state actors"),
        "order": _("Order"),
        "organisms": _("Organisms"),
        "organizationAcronym": _("Acronym of the organization"),
        "organizers": _("Organizers"),
        "originCentre": _("Centre of origin"),
        "otherTransboundryInformation": _("Other information on the transboundary movement"),
        "panelServed": _("Expert panels served on"),
        "partnerOrganization": _("Partner organization"),
        "pathogenicity": _("Pathogenicity"),
        "phones": _("Telephone numbers"),
        "phylum": _("Phylum"),
        "pointOfContact": _("Point of contact"),
        "policyBasisForCompetency": _("Legal or policy basis for the competency"),
        "policyBasisForCompetencyRef": _("Laws and regulations establishing the competency"),
        "postalCode": _("Postal code"),
        "prefix": _("Title (Mr., Ms., Dr.)"),
        "previousEmployment": _("Previous employment"),
        "primaryEducation": _("Education (highest degree)"),
        "professionalMemberships": _("Professional memberships"),
        "professionalQualification": _("Professional qualifications"),
        "profile": _("Profile"),
        "profileLink": _("Profile (link)"),
        "progressAssessment": _("Assessment of progress"),
        "projectDocument": _("Project document"),
        "projectNumber": _("Project number"),
        "projectProgrammeName": _("Name of the project or programme"),
        "publicationDate": _("Publication date"),
        "publisher": _("Publisher"),
        "realm": _("Realm"),
        "receiptAcknowledgementDate": _("Date of acknowledgement of receipt of the notification"),
        "receiptDate": _("Date of receipt of the notification"),
        "receivingEnvironment": _("Likely potential receiving environment"),
        "relatedOrganization": _("Related organization"),
        "relatedRecords": _("Related records"),
        "relationDetails": _("Details of the relationship"),
        "releaseCircumstance": _("Circumstances of the release"),
        "releaseDate": _("Date of the release"),
        "releaseInformation": _("Information on the release"),
        "relevantPublication": _("Relevant publications"),
        "resourceLinks": _("Links to the resource"),
        "responsibilities": _("Responsibilities"),
        "responsibleForAll": _("Responsible for all LMOs"),
        "resultsAchievements": _("Results and achievements"),
        "resultsOutputs": _("Outputs (links)"),
        "resultsReference": _("Outputs (records)"),
        "rights": _("Rights"),
        "riskManagementStrategies": _("Risk management strategies"),
        "scientificNameSynonyms": _("Synonyms of the scientific name"),
        "secondaryEducation": _("Education (second degree)"),
        "sequence": _("Sequence number"),
        "source": _("Source"),
        "startDate": _("Start date"),
        "state": _("State or province"),
        "strategicPlanObjectives": _("Objectives of the Strategic Plan"),
        "subFamily": _("Subfamily"),
        "subOrder": _("Suborder"),
        "subRealm": _("Subrealm"),
        "subSpecies": _("Subspecies"),
        "summary": _("Summary"),
        "takenInAccordanceWithA116": _("Decision taken under Article 11.6"),
        "takenPriorEntryIntoForce": _("Taken before the entry into force of the Protocol"),
        "taxonomicClassification": _("Taxonomic classification (links)"),
        "thirdEducation": _("Education (third degree)"),
        "title": _("Title"),
        "totalBudget": _("Total budget"),
        "transboundaryMovementType": _("Type of transboundary movement"),
        "type": _("Type"),
        "unofficialDocuments": _("Unofficial documents"),
        "venue": _("Venue"),
        "virusGroup": _("Virus group"),
        "websites": _("Websites"),
    }


def external_labels() -> dict[str, dict[str, str]]:
    """Words of the external-databases section, by the key the match service answers with."""
    return {
        "status": {
            "ok": _("answered"),
            "timeout": _("no answer in time"),
            "error": _("failed"),
            "offline": _("not available offline"),
            "disabled": _("disabled"),
        },
        "origin": {
            "snapshot": _("snapshot"),
            "live": _("live"),
            "cache": _("cached"),
            "cached": _("cached"),
        },
        "use": {
            "food": _("Food"),
            "feed": _("Feed"),
            "processing": _("Processing"),
            "cultivation": _("Cultivation"),
            "import": _("Import"),
        },
        "kind": {
            "missing": _("stated on one side only"),
            "conflict": _("approval on one side, not on the other"),
            "year": _("different year"),
        },
    }


def source_title(name: str, titles: dict[str, str]) -> str:
    """An external database's name in the page language (the proper names stay as they are)."""
    known = {
        "biotrack": _("OECD BioTrack Product Database"),
        "biotradestatus": _("BioTradeStatus (CropLife International)"),
        "cera": _("CERA GM Crop Database (ILSI Research Foundation)"),
        "cfia": _("CFIA Plants with Novel Traits (Canada)"),
        "croplife": _("CropLife International Detection Methods Database"),
        "eu_register": _("EU register of GM food and feed"),
        "euginius": _("EUginius (European GMO database)"),
        "eurl_gmff": _("EURL-GMFF GMOMETHODS (JRC)"),
        "fao": _("FAO GM Foods Platform"),
        "gmo_compass": _("GMO Compass (archival)"),
        "isaaa": _("ISAAA GM Approval Database"),
    }
    return known.get(name) or titles.get(name) or name


def source_name(title: str) -> str:
    """An external database named by its English title in the data (reference materials)."""
    keys = {
        "OECD BioTrack Product Database": "biotrack",
        "EU register of genetically modified food and feed": "eu_register",
        "EU register of GM food and feed": "eu_register",
        "ISAAA GM Approval Database": "isaaa",
        "FAO GM Foods Platform": "fao",
    }
    return source_title(keys[title], {}) if title in keys else title
