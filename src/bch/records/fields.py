"""Field definitions: the vocabulary in which realms declare their record types (see definitions/)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FieldType = Literal[
    "string",  # plain, language-neutral text (e.g. transformationEvent)
    "lstring",  # language map {"en": "...", "fr": "..."} over the record's declared languages
    "boolean",
    "integer",
    "number",
    "date",  # YYYY-MM-DD
    "datetime",  # ISO 8601
    "term",  # {"identifier": termId, "customValue": lstring} from a thesaurus domain
    "reference",  # {"identifier": "header-identifier" or "identifier@revision"}
    "link",  # {"url": ..., "name": ..., "tags": [...], "language": ...}
    "email",
    "url",
    "oecdUid",  # an OECD unique identifier, single or stack, normalised on input
    "object",  # nested fields
]

LString = dict[str, str]


class Condition(BaseModel):
    """When a conditional field applies: another field equals a value or contains a term."""

    model_config = ConfigDict(extra="forbid")
    field: str
    equals: Any = None
    contains: str | None = None  # term identifier (or a narrower term of it)
    present: bool | None = None

    def describe(self) -> str:
        if self.contains is not None:
            return f"{self.field} contains {self.contains}"
        if self.present is not None:
            return f"{self.field} is {'present' if self.present else 'absent'}"
        return f"{self.field} = {self.equals!r}"


class FieldDef(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = ""
    type: FieldType
    many: bool = False
    required: bool = False
    required_when: list[Condition] = Field(default_factory=list, alias="requiredWhen")
    shown_when: list[Condition] = Field(default_factory=list, alias="shownWhen")
    domain: str | None = None  # thesaurus domain for term fields
    schemas: list[str] | None = None  # allowed target record types for references
    confidential: bool = False  # Art. 21: withheld from the public
    rich: bool = False  # rich text (sanitised HTML) in an lstring
    max_length: int | None = Field(default=None, alias="maxLength")
    enum: list[str] | None = None
    title: LString = Field(default_factory=dict)
    description: LString = Field(default_factory=dict)
    fields: dict[str, FieldDef] | None = None  # for type object
    # earlier names of the field that a document may still use (read as this field, with a
    # warning): exemptedFromAIA was exemptFromAIA, as the BCH API documentation spells it
    former_names: list[str] = Field(default_factory=list, alias="formerNames")

    @model_validator(mode="after")
    def _consistent(self) -> FieldDef:
        if self.type == "term" and not self.domain:
            raise ValueError("a term field needs a thesaurus 'domain'")
        if self.type == "reference" and not self.schemas:
            raise ValueError("a reference field needs the 'schemas' it may point to")
        if self.type == "object" and not self.fields:
            raise ValueError("an object field needs 'fields'")
        if self.fields:
            for key, sub in self.fields.items():
                sub.name = key
        return self


class RecordType(BaseModel):
    """One schema of a realm (e.g. BCH modifiedOrganism, short code LMO)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = ""
    realm: str = ""
    short_code: str = Field(alias="shortCode")
    type: Literal["national", "reference", "scbd"]
    title: LString
    title_plural: LString = Field(default_factory=dict, alias="titlePlural")
    description: LString = Field(default_factory=dict)
    title_fields: list[str] = Field(
        alias="titleFields"
    )  # fields whose values make the display title
    fields: dict[str, FieldDef]

    @model_validator(mode="after")
    def _names(self) -> RecordType:
        for key, field in self.fields.items():
            field.name = key
        for key in self.title_fields:
            if key not in self.fields:
                raise ValueError(f"titleFields names unknown field {key!r}")
        if self.type == "national" and "government" not in self.fields:
            raise ValueError("a national record type needs a 'government' field")
        return self

    @property
    def is_national(self) -> bool:
        return self.type == "national"

    @property
    def former_names(self) -> dict[str, str]:
        """former field name -> current name (FieldDef.former_names)."""
        return {old: key for key, f in self.fields.items() for old in f.former_names}

    def confidential_fields(self) -> list[str]:
        return [k for k, f in self.fields.items() if f.confidential]


class Realm(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    code: str  # BCH, CHM
    uid_prefix: str = Field(alias="uidPrefix")
    title: LString
    schemas: dict[str, RecordType]

    @model_validator(mode="after")
    def _names(self) -> Realm:
        codes: dict[str, str] = {}
        for key, rt in self.schemas.items():
            rt.name = key
            rt.realm = self.code
            if rt.short_code in codes:
                raise ValueError(
                    f"short code {rt.short_code} used by {codes[rt.short_code]} and {key}"
                )
            codes[rt.short_code] = key
        return self
