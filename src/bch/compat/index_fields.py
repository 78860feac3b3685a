"""Our records as documents of the CBD Solr index, with the field names its clients use.

Common fields (every record): ``id``, ``identifier_s``, ``uniqueIdentifier_s`` (lower-case UID),
``schema_s``, ``schemaType_s``, ``realm_ss`` (lower-case), ``government_s`` (lower-case ISO2),
``government_XX_t``, ``title_t``, ``title_XX_t`` (XX = AR EN ES FR RU ZH, with the lstring
fallback), ``description_t`` / ``description_XX_t``, ``createdDate_dt``, ``updatedDate_dt``,
``_revision_i``, ``_state_s`` (always ``public``: drafts are never indexed).

Per record type, generically from its definition: term fields ``{name}_s`` / ``{name}_ss`` (term
identifiers) and ``{name}_REL_ss`` (with broader terms), references ``{name}_ss`` (header
identifiers), booleans ``{name}_b``, dates ``{name}_dt``, strings ``{name}_s``, lstrings
``{name}_t``. Plus the BCH names: LMO ``uniqueIdentification_s``, ``transformationEvent_s``,
``identity_s``, ``lmoTraits_ss``/``lmoTraits_REL_ss``, ``lmoTechniquesUsed_ss``,
``geneIdentifiers_ss``, trait flags ``traits*_b``; decision ``decisionTypes_ss``,
``decisionResult_s``, ``decisionDate_dt``, ``modifiedOrganisms_ss``, scope flags ``scope*_b``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bch.records.countries import country
from bch.records.fields import RecordType
from bch.records.identifiers import REFERENCE_OWNER
from bch.records.languages import LANGUAGES, display
from bch.records.realms import RealmRegistry
from bch.records.thesaurus import Thesaurus
from bch.storage.rows import DocumentRow

# Fields of the documents row alone (no body, no thesaurus): a page whose `fl` asks for these
# only is answered without reading a body (row_document).
ROW_FIELDS = {
    "id",
    "identifier_s",
    "uniqueIdentifier_s",
    "schema_s",
    "schemaType_s",
    "realm_ss",
    "government_s",
    "title_t",
    "createdDate_dt",
    "updatedDate_dt",
    "_revision_i",
    "_state_s",
}
for _lang in LANGUAGES:
    ROW_FIELDS |= {f"title_{_lang.upper()}_t", f"government_{_lang.upper()}_t"}

# every field the index knows whatever the record type: the row's, and those read from the body
STATIC_FIELDS = ROW_FIELDS | {
    "description_t",
    "version_s",  # never set: only latest revisions are indexed (clients filter NOT version_s:*)
    "text",  # the default search field: all texts of the record
}
STATIC_FIELDS |= {f"description_{lang.upper()}_t" for lang in LANGUAGES}

SPECIAL = {  # BCH index name -> our field
    "lmoTraits": "traits",
    "lmoTechniquesUsed": "techniqueUsed",
    "geneIdentifiers": "genes",
}
SCOPE_FLAGS = (
    "scopeFood_b",
    "scopeFeed_b",
    "scopeProcessing_b",
    "scopeRelease_b",
    "scopeFieldTrials_b",
    "scopeContainedUse_b",
    "scopePharmaceutical_b",
    "scopeTransit_b",
    "scopeOther_b",
)
TRAIT_FLAGS = (
    "traitsDiseasesResistance_b",
    "traitsHerbicidesResistance_b",
    "traitsPhysiologyChanges_b",
    "traitsQualityChanges_b",
    "traitsMedicalProduction_b",
    "traitsOther_b",
)


def solr_date(value: datetime | str) -> str:
    if isinstance(value, str):
        return f"{value[:10]}T00:00:00Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def index_names(rt: RecordType) -> dict[str, str]:
    """Index field name -> our field name, for one record type (generic mapping)."""
    out: dict[str, str] = {}
    for name, f in rt.fields.items():
        if f.confidential:
            continue
        if f.type == "term":
            out[f"{name}_ss" if f.many else f"{name}_s"] = name
            out[f"{name}_REL_ss"] = name
        elif f.type == "reference":
            out[f"{name}_ss"] = name
        elif f.type == "boolean":
            out[f"{name}_b"] = name
        elif f.type == "date":
            out[f"{name}_dt"] = name
        elif f.type in ("string", "oecdUid", "email", "url"):
            out[f"{name}_ss" if f.many else f"{name}_s"] = name
        elif f.type == "lstring":
            out[f"{name}_t"] = name
    return out


def field_catalog(registry: RealmRegistry) -> set[str]:
    """Every index field name this server can answer for (others are refused, not ignored)."""
    names = set(STATIC_FIELDS) | set(SCOPE_FLAGS) | set(TRAIT_FLAGS)
    names |= {"lmoTraits_ss", "lmoTraits_REL_ss", "lmoTechniquesUsed_ss", "geneIdentifiers_ss"}
    names |= {"identity_s", "decisionTypes_ss", "decisionResult_s", "decisionDate_dt"}
    for rt in registry.all():
        names |= set(index_names(rt))
    return names


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v["identifier"]) for v in items if isinstance(v, dict) and v.get("identifier")]


# Title fields: the display title (title_t: English, else the fallback), one per language; their
# words are narrowed by the index's title words (bch.compat.translate).
TITLE_FIELDS = {"title_t"} | {f"title_{lang.upper()}_t" for lang in LANGUAGES}


def row_document(doc: DocumentRow, rt: RecordType | None) -> dict[str, Any]:
    """The ROW_FIELDS of a record's Solr document: index_document's values for them."""
    out = _row_fields(doc, rt)
    _government(doc, out)
    return {k: v for k, v in out.items() if v is not None}


def _row_fields(doc: DocumentRow, rt: RecordType | None) -> dict[str, Any]:
    """The fields of a record's Solr document read from its row alone (no body), before the
    government fields."""
    uid = f"{doc.uid_base}-{doc.latest_revision}"
    out: dict[str, Any] = {
        "id": doc.identifier,
        "identifier_s": doc.identifier,
        "uniqueIdentifier_s": uid.lower(),
        "schema_s": doc.schema,
        "schemaType_s": rt.type if rt else "reference",
        "realm_ss": [doc.realm.lower()],
        **title_fields(doc.title),
        "createdDate_dt": solr_date(doc.created_at),
        "updatedDate_dt": solr_date(doc.updated_at),
        "_revision_i": doc.latest_revision,
        "_state_s": "public",
    }
    return out


def title_fields(title: Any) -> dict[str, str]:
    """The TITLE_FIELDS of a record's Solr document, from its stored title."""
    out = {"title_t": display(title, "en")}
    for lang in LANGUAGES:
        out[f"title_{lang.upper()}_t"] = display(title, lang)
    return out


def _government(doc: DocumentRow, out: dict[str, Any]) -> None:
    if doc.owner != REFERENCE_OWNER:
        out["government_s"] = doc.owner.lower()
        c = country(doc.owner)
        if c:
            for lang in LANGUAGES:
                out[f"government_{lang.upper()}_t"] = c.name.get(lang, doc.owner)


def index_document(
    doc: DocumentRow, body: dict[str, Any], rt: RecordType | None, thesaurus: Thesaurus
) -> dict[str, Any]:
    """The Solr document of a record's latest revision (`body` already redacted)."""
    out = _row_fields(doc, rt)
    description = body.get("description")
    if isinstance(description, dict) and description:
        out["description_t"] = display(description, "en")
        for lang in LANGUAGES:
            out[f"description_{lang.upper()}_t"] = display(description, lang)
    _government(doc, out)
    if rt is not None:
        for index_name, name in index_names(rt).items():
            value = body.get(name)
            if value is None or value == [] or index_name in out:
                continue
            f = rt.fields[name]
            if f.type == "term":
                ids = _ids(value)
                if index_name.endswith("_REL_ss"):
                    rel: list[str] = []
                    for i in ids:
                        rel += [t for t in thesaurus.broader_closure(i) or [i] if t not in rel]
                    out[index_name] = rel
                else:
                    out[index_name] = ids if f.many else (ids[0] if ids else None)
            elif f.type == "reference":
                out[index_name] = _ids(value)
            elif f.type == "boolean" and isinstance(value, bool):
                out[index_name] = value
            elif f.type == "date" and isinstance(value, str):
                out[index_name] = solr_date(value)
            elif f.type == "lstring" and isinstance(value, dict):
                out[index_name] = display(value, "en")
            elif isinstance(value, (str, list)):
                out[index_name] = value
        for alias, name in SPECIAL.items():
            for suffix in ("_ss", "_REL_ss"):
                source = f"{name}{suffix}"
                if source in out:
                    out[f"{alias}{suffix}"] = out[source]
            if f"{name}_s" in out:
                out[f"{alias}_ss"] = [out[f"{name}_s"]]
        if isinstance(body.get("identity"), dict):
            out["identity_s"] = display(body["identity"], "en")
        if doc.schema == "biosafetyDecision":
            if isinstance(body.get("date"), str):
                out["decisionDate_dt"] = solr_date(body["date"])
            flags = thesaurus.flags(_ids(body.get("scopes") or []))
            for flag in SCOPE_FLAGS:
                out[flag] = flag in flags
        if doc.schema == "modifiedOrganism":
            flags = thesaurus.flags(_ids(body.get("traits") or []))
            for flag in TRAIT_FLAGS:
                out[flag] = flag in flags
    out = {k: v for k, v in out.items() if v is not None}
    out["text"] = _all_text(out, body)
    return out


def _all_text(fields: dict[str, Any], body: dict[str, Any]) -> str:
    chunks: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            chunks.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                if k not in ("identifier", "url", "header"):
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(body)
    chunks += [v for k, v in fields.items() if k.endswith("_t") and isinstance(v, str)]
    return "\n".join(chunks)
