"""What a record's search entry borrows from the records it names: a decision, a risk assessment,
a laboratory or a resource about an LMO is found by that LMO's unique identifier (any spelling),
its event name, its trade names and its crop, in the six languages.

Pure functions over the record type definition, the thesaurus (domain ``Crops``: common crop
names in six languages with synonyms) and a lookup of the referenced records' latest bodies,
called by RecordService in the publish transaction and by the reindex."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bch.records.fields import RecordType
from bch.records.identifiers import split_pinned
from bch.records.oecd_uid import try_parse_uid
from bch.records.thesaurus import Thesaurus
from bch.services.documents import walk_values

LMO = "modifiedOrganism"
ORGANISM = "organism"
CROPS = "Crops"

#: identifiers -> {identifier: (schema, latest body)} of the live records among them
Lookup = Callable[[list[str]], dict[str, tuple[str, dict[str, Any]]]]


@dataclass
class Borrowed:
    """Texts and facet values taken from referenced LMOs and organisms."""

    neutral: list[str] = field(default_factory=list)  # names and UIDs, every language
    per_lang: dict[str, list[str]] = field(default_factory=dict)  # crop names by language
    facets: set[tuple[str, str]] = field(default_factory=set)

    def texts(self) -> list[str]:
        return [t for texts in self.per_lang.values() for t in texts]

    def add_lang(self, lang: str, text: str) -> None:
        if text:
            self.per_lang.setdefault(lang, []).append(text)


def uid_spellings(text: str) -> list[str]:
    """A UID as written, canonical, with 0 for Ø, and without dashes (per event of a stack)."""
    parsed = try_parse_uid(text)
    if parsed is None:
        return [text]
    out = [text, parsed.canonical]
    for p in parsed.parts:
        out += [p.ascii, p.ascii.replace("-", "")]
    return list(dict.fromkeys(out))


def crop_term(thesaurus: Thesaurus, organism: dict[str, Any]):
    """The Crops term of an organism record (by scientific name, then common names)."""
    names = [str(organism.get("scientificName") or "")]
    names += [str(t) for t in (organism.get("commonNames") or {}).values()]
    for name in names:
        term = thesaurus.match(CROPS, name) if name.strip() else None
        if term is not None and term.domain == CROPS:
            return term
    return None


def _organism(out: Borrowed, thesaurus: Thesaurus, ident: str, body: dict[str, Any]) -> None:
    out.facets.add(("organism", ident))
    out.neutral.append(str(body.get("scientificName") or ""))
    for lang, text in (body.get("commonNames") or {}).items():
        out.add_lang(str(lang), str(text))
    term = crop_term(thesaurus, body)
    if term is not None:
        for lang, text in term.title.items():
            out.add_lang(lang, text)
        out.neutral.extend(term.alt_labels)


def _targets(rt: RecordType, document: dict[str, Any]) -> list[str]:
    """Identifiers the record names in reference fields that may hold LMOs or organisms."""
    out = []
    for path, f, v in walk_values(rt.fields, document):
        if f.type != "reference" or f.confidential or not isinstance(v, dict):
            continue
        schemas = set(f.schemas or ())
        if rt.name == LMO and path != "recipientOrganisms":
            continue  # an LMO indexes its own UID; only its crop is borrowed
        if schemas & {LMO, ORGANISM}:
            out.append(split_pinned(str(v.get("identifier", "")))[0])
    return list(dict.fromkeys(i for i in out if i))


def borrowed(
    rt: RecordType, document: dict[str, Any], thesaurus: Thesaurus, lookup: Lookup | None
) -> Borrowed:
    out = Borrowed()
    if lookup is None:
        return out
    targets = _targets(rt, document)
    if not targets:
        return out
    found = lookup(targets)
    organisms: list[str] = []
    for ident in targets:
        schema, body = found.get(ident, ("", {}))
        if schema == ORGANISM:
            organisms.append(ident)
        elif schema == LMO and rt.name == LMO:  # an LMO grown from an LMO: its crop only
            organisms.extend(_recipients(body))
        elif schema == LMO:
            uid = body.get("uniqueIdentification")
            if isinstance(uid, str) and uid.strip():
                out.neutral.extend(uid_spellings(uid))
            out.neutral.append(str(body.get("transformationEvent") or ""))
            out.neutral.extend(str(t) for t in (body.get("identity") or {}).values())
            out.facets.update(("organism", o) for o in _recipients(body))
            organisms.extend(_recipients(body))
    organisms = list(dict.fromkeys(organisms))
    more = lookup([o for o in organisms if o not in found]) if organisms else {}
    for ident in organisms:
        schema, body = found.get(ident) or more.get(ident) or ("", {})
        if schema == ORGANISM:
            _organism(out, thesaurus, ident, body)
    out.neutral = [t for t in dict.fromkeys(out.neutral) if t]
    return out


def _recipients(lmo: dict[str, Any]) -> list[str]:
    return [
        split_pinned(str(r.get("identifier", "")))[0]
        for r in lmo.get("recipientOrganisms") or []
        if isinstance(r, dict) and r.get("identifier")
    ]
