"""Validate a record document against its record type.

Every problem names its code (BCH style: ``Error.Mandatory``, ``Error.UnexpectedTerm``, ...) and the
field path (``traits[2].identifier``). Nothing is stored unless the list of errors is empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bch.records.fields import Condition, FieldDef, RecordType
from bch.records.identifiers import is_header_identifier, split_pinned
from bch.records.languages import LANGUAGES
from bch.records.oecd_uid import UidError, parse_uid
from bch.records.realms import RealmRegistry, UnknownSchema
from bch.records.thesaurus import OTHER_TERM, Thesaurus

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^(https?|ftp)://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# `realm` is optional: the realm whose record type `schema` names (BCH unless given). The real
# BCH sends it as an HTTP header (`Realm: bch`); a schema key two realms share (organization)
# needs it in the document (issue 16 item 7: the CHM realm's organizations).
HEADER_KEYS = {"identifier", "schema", "languages", "realm"}

# A reference resolver answers, for header identifiers, the schema of the published record (or None).
ReferenceResolver = Callable[[Iterable[str]], dict[str, str | None]]


@dataclass(frozen=True)
class Problem:
    code: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "message": self.message}


@dataclass
class ValidationResult:
    document: dict[str, Any]  # normalised copy (UIDs canonical, strings trimmed)
    record_type: RecordType | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class Validator:
    def __init__(
        self,
        registry: RealmRegistry,
        thesaurus: Thesaurus,
        resolve_references: ReferenceResolver | None = None,
    ):
        self.registry = registry
        self.thesaurus = thesaurus
        self.resolve_references = resolve_references

    def validate(
        self, document: Any, *, realm: str | None = None, strict: bool = True
    ) -> ValidationResult:
        """Check `document`. With strict=False (imports of legacy data) missing mandatory fields are
        warnings instead of errors; types, terms, languages and references are always checked."""
        run = _Run(self, strict)
        if not isinstance(document, dict):
            run.error("Error.InvalidType", "", "a record document must be a JSON object")
            return ValidationResult({}, None, run.errors, run.warnings)
        header = document.get("header")
        rt = run.header(header, realm)
        if rt is None:
            return ValidationResult(dict(document), None, run.errors, run.warnings)
        out = {"header": dict(header)}
        out["header"]["languages"] = list(header.get("languages") or [])
        run.languages = set(out["header"]["languages"])
        for key, value in document.items():
            if key == "header":
                continue
            fdef = rt.fields.get(key)
            if fdef is None and key in rt.former_names:
                current = rt.former_names[key]
                if current in document:
                    continue  # the current name wins
                run.warn("Warning.FormerName", key, f"{key!r} is now {current!r}")
                key, fdef = current, rt.fields[current]
            if fdef is None:
                run.error("Error.InvalidProperty", key, f"{rt.name} has no field {key!r}")
                continue
            if _empty(value):
                continue
            out[key] = run.value(fdef, value, key)
        run.required(rt, out)
        run.check_references()
        return ValidationResult(out, rt, run.errors, run.warnings)


def _empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    return (
        isinstance(value, dict) and all(not v for v in value.values()) and "identifier" not in value
    )


class _Run:
    """One validation pass: collects problems and references to check in one batch."""

    def __init__(self, validator: Validator, strict: bool):
        self.v = validator
        self.strict = strict
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.languages: set[str] = set()
        self.refs: list[tuple[str, str, list[str]]] = []  # (path, identifier, allowed schemas)

    def error(self, code: str, path: str, message: str) -> None:
        self.errors.append(Problem(code, path, message))

    def warn(self, code: str, path: str, message: str) -> None:
        self.warnings.append(Problem(code, path, message))

    # -- header ---------------------------------------------------------------------------------
    def header(self, header: Any, realm: str | None) -> RecordType | None:
        if not isinstance(header, dict):
            self.error(
                "Error.Mandatory", "header", "header {identifier, schema, languages} missing"
            )
            return None
        for key in header:
            if key not in HEADER_KEYS:
                self.error("Error.InvalidProperty", f"header.{key}", f"unknown header key {key!r}")
        ident = header.get("identifier")
        if not isinstance(ident, str) or not is_header_identifier(ident):
            self.error(
                "Error.InvalidValue",
                "header.identifier",
                "identifier must be 11-128 characters of letters, digits, '-' or '_'",
            )
        langs = header.get("languages")
        if not isinstance(langs, list) or not langs:
            self.error("Error.Mandatory", "header.languages", "declare at least one language")
        else:
            for i, lang in enumerate(langs):
                if lang not in LANGUAGES:
                    self.error(
                        "Error.InvalidValue",
                        f"header.languages[{i}]",
                        f"{lang!r} is not one of {', '.join(LANGUAGES)}",
                    )
        schema = header.get("schema")
        if not isinstance(schema, str):
            self.error("Error.Mandatory", "header.schema", "the record type (schema) is missing")
            return None
        named = header.get("realm")
        if named is not None and (
            not isinstance(named, str) or named.upper() not in self.v.registry.realms
        ):
            known = ", ".join(sorted(self.v.registry.realms))
            self.error("Error.InvalidValue", "header.realm", f"realm must be one of {known}")
            return None
        try:
            return self.v.registry.record_type(schema, realm or named)
        except UnknownSchema as exc:
            self.error("Error.UnknownSchema", "header.schema", str(exc))
            return None

    # -- values ---------------------------------------------------------------------------------
    def value(self, f: FieldDef, value: Any, path: str) -> Any:
        if f.many:
            if not isinstance(value, list):
                self.error("Error.InvalidType", path, "expected a list")
                return value
            return [self.single(f, item, f"{path}[{i}]") for i, item in enumerate(value)]
        return self.single(f, value, path)

    def single(self, f: FieldDef, value: Any, path: str) -> Any:
        check = getattr(self, f"_{f.type}")
        return check(f, value, path)

    def _type_error(self, path: str, expected: str) -> None:
        self.error("Error.InvalidType", path, f"expected {expected}")

    def _string(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            self._type_error(path, "a string")
            return value
        value = value.strip()
        if f.max_length and len(value) > f.max_length:
            self.error("Error.InvalidValue", path, f"longer than {f.max_length} characters")
        if f.enum and value not in f.enum:
            self.error("Error.InvalidValue", path, f"expected one of {', '.join(f.enum)}")
        return value

    def _lstring(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self._type_error(path, 'a language map such as {"en": "..."}')
            return value
        out = {}
        for lang, text in value.items():
            sub = f"{path}.{lang}"
            if lang not in LANGUAGES:
                self.error("Error.InvalidProperty", sub, f"{lang!r} is not a UN language")
            elif lang not in self.languages:
                self.error(
                    "Error.UnspecifiedLocale", sub, f"{lang!r} is not declared in header.languages"
                )
            elif not isinstance(text, str):
                self._type_error(sub, "a string")
            elif f.max_length and len(text) > f.max_length:
                self.error("Error.InvalidValue", sub, f"longer than {f.max_length} characters")
            elif text.strip():
                out[lang] = text.strip()
        return out

    def _boolean(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            self._type_error(path, "true or false")
        return value

    def _integer(self, f: FieldDef, value: Any, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            self._type_error(path, "an integer")
        return value

    def _number(self, f: FieldDef, value: Any, path: str) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._type_error(path, "a number")
        return value

    def _date(self, f: FieldDef, value: Any, path: str) -> Any:
        try:
            return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
        except ValueError:
            pass
        self._type_error(path, "a date YYYY-MM-DD")
        return value

    def _datetime(self, f: FieldDef, value: Any, path: str) -> Any:
        try:
            if isinstance(value, str):
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                return value
        except ValueError:
            pass
        self._type_error(path, "an ISO 8601 date-time")
        return value

    def _email(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, str) or not _EMAIL.match(value.strip()):
            self._type_error(path, "an e-mail address")
            return value
        return value.strip()

    def _url(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, str) or not _URL.match(value.strip()):
            self._type_error(path, "an http(s) URL")
            return value
        return value.strip()

    def _oecdUid(self, f: FieldDef, value: Any, path: str) -> Any:  # noqa: N802
        if not isinstance(value, str):
            self._type_error(path, "an OECD unique identifier such as MON-ØØ81Ø-6")
            return value
        try:
            parsed = parse_uid(value)
        except UidError as exc:
            self.error("Error.InvalidValue", path, f"not an OECD unique identifier: {exc}")
            return value
        for warning in parsed.warnings:
            self.warn("Warning.OecdUid", path, warning)
        return parsed.canonical

    def _term(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get("identifier"), str):
            self._type_error(path, '{"identifier": "<term id>"}')
            return value
        extra = set(value) - {"identifier", "customValue"}
        for key in sorted(extra):
            self.error("Error.InvalidProperty", f"{path}.{key}", f"unknown term key {key!r}")
        term_id = value["identifier"].strip()
        known = self.v.thesaurus.term(term_id)
        if known is not None:
            term_id = known.identifier  # the canonical spelling of the identifier
        if not self.v.thesaurus.in_domain(term_id, f.domain or ""):
            self.error(
                "Error.UnexpectedTerm",
                f"{path}.identifier",
                f"{term_id!r} is not a term of {f.domain}",
            )
        out: dict[str, Any] = {"identifier": term_id}
        if "customValue" in value:
            out["customValue"] = self._lstring(f, value["customValue"], f"{path}.customValue")
        elif term_id == OTHER_TERM:
            self.warn("Warning.OtherWithoutText", path, "'Other' without a customValue")
        return out

    def _reference(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get("identifier"), str):
            self._type_error(path, '{"identifier": "<record identifier>[@revision]"}')
            return value
        for key in sorted(set(value) - {"identifier"}):
            self.error("Error.InvalidProperty", f"{path}.{key}", f"unknown reference key {key!r}")
        ident = value["identifier"].strip()
        self.refs.append((f"{path}.identifier", ident, f.schemas or []))
        return {"identifier": ident}

    def _link(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, dict) or not isinstance(value.get("url"), str):
            self._type_error(path, '{"url": "https://...", "name": "..."}')
            return value
        for key in sorted(set(value) - {"url", "name", "tags", "tag", "language"}):
            self.error("Error.InvalidProperty", f"{path}.{key}", f"unknown link key {key!r}")
        out = dict(value)
        out["url"] = self._url(f, value["url"], f"{path}.url")
        return out

    def _object(self, f: FieldDef, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            self._type_error(path, "an object")
            return value
        out = {}
        for key, sub_value in value.items():
            sub = (f.fields or {}).get(key)
            if sub is None:
                self.error("Error.InvalidProperty", f"{path}.{key}", f"unknown key {key!r}")
            elif not _empty(sub_value):
                out[key] = self.value(sub, sub_value, f"{path}.{key}")
        return out

    # -- whole-record rules ---------------------------------------------------------------------
    def required(self, rt: RecordType, doc: dict[str, Any]) -> None:
        for key, f in rt.fields.items():
            if key in doc:
                continue
            why = None
            if f.required:
                why = f"{key} is mandatory"
            else:
                hit = next((c for c in f.required_when if self.holds(c, doc)), None)
                if hit is not None:
                    why = f"{key} is mandatory when {hit.describe()}"
            if why is None:
                continue
            if self.strict or key == "government":
                self.error("Error.Mandatory", key, why)
            else:
                self.warn("Warning.Mandatory", key, why)

    def holds(self, cond: Condition, doc: dict[str, Any]) -> bool:
        value = doc.get(cond.field)
        if cond.present is not None:
            return (value is not None) == cond.present
        if cond.contains is not None:
            items = value if isinstance(value, list) else [value] if value else []
            target = cond.contains.lower()
            for item in items:
                term_id = item.get("identifier") if isinstance(item, dict) else None
                if term_id and target in (
                    t.lower() for t in self.v.thesaurus.broader_closure(term_id)
                ):
                    return True
            return False
        return value == cond.equals

    def check_references(self) -> None:
        if not self.refs or self.v.resolve_references is None:
            return
        targets = {split_pinned(ident)[0] for _, ident, _ in self.refs}
        found = self.v.resolve_references(targets)
        for path, ident, schemas in self.refs:
            schema = found.get(split_pinned(ident)[0])
            if schema is None:
                self.error("Error.BrokenReference", path, f"no published record {ident!r}")
            elif schemas and schema not in schemas:
                self.error(
                    "Error.InvalidReference",
                    path,
                    f"{ident!r} is a {schema}, expected {' or '.join(schemas)}",
                )
