"""``bch data check``: what is wrong or doubtful in the records the importer builds (issue 16).

Per record type: required fields missing; values that contradict another source and are not
shown as a disagreement; duplicates (the same UID, or the same event of the same crop, under two
records); malformed UIDs; stacks whose components are not all LMOs of the registry; stacks that
lost their UID although every component's UID is known. The counts go into the import report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bch.importer.events import is_written_uid, norm_name, split_stack
from bch.records.oecd_uid import try_parse_uid
from bch.records.realms import get_registry
from bch.records.thesaurus import get_thesaurus

LMO = "modifiedOrganism"


@dataclass
class CheckResult:
    # record type -> problem kind -> list of "record: detail"
    problems: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def add(self, schema: str, kind: str, detail: str) -> None:
        self.problems[schema][kind].append(detail)

    def count(self, kind: str) -> int:
        return sum(len(kinds.get(kind, [])) for kinds in self.problems.values())

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for kinds in self.problems.values():
            for kind, items in kinds.items():
                out[kind] += len(items)
        return dict(out)

    @property
    def blocking(self) -> int:
        """Problems the shipped data must not have (issue 16, "done when")."""
        return sum(self.count(k) for k in BLOCKING)


BLOCKING = ("contradiction_not_shown", "duplicate", "stack_uid_lost")


def _kind_key(registry, schema: str, realm: str) -> str:
    """The record type as the check reports it: the schema, with its realm where the schema
    exists in several realms ("organization (BCH)", "organization (CHM)")."""
    realms = [code for code, r in registry.realms.items() if schema in r.schemas]
    return f"{schema} ({realm})" if len(realms) > 1 else schema


def _label(doc: dict[str, Any]) -> str:
    return (
        doc.get("uniqueIdentification")
        or doc.get("transformationEvent")
        or doc["header"]["identifier"]
    )


def check_plan(
    documents: list[dict[str, Any]],
    provenance: dict[str, dict],
    evidence: dict[str, dict[str, list[str]]] | None = None,
) -> CheckResult:
    """`evidence`: LMO key -> source -> the traits that source gives (read from the raw
    scrapes, bch.importer.provenance.TraitEvidence), to find values neither shown nor listed."""
    result = CheckResult()
    registry = get_registry()
    for doc in documents:
        schema = doc["header"]["schema"]
        realm = (doc["header"].get("realm") or "BCH").upper()
        rt = registry.record_type(schema, realm)  # a CHM organization is checked as one
        for name, f in rt.fields.items():
            if f.required and name not in doc:
                result.add(
                    _kind_key(registry, schema, realm), "required_missing", f"{_label(doc)}: {name}"
                )
    lmos = [d for d in documents if d["header"]["schema"] == LMO]
    _uids(lmos, result)
    _duplicates(lmos, result)
    _stacks(lmos, result)
    _contradictions(lmos, provenance, evidence or {}, result)
    return result


def _uids(lmos: list[dict[str, Any]], result: CheckResult) -> None:
    for doc in lmos:
        uid = doc.get("uniqueIdentification")
        if not uid:
            continue
        parsed = try_parse_uid(uid)
        if parsed is None:
            result.add(LMO, "malformed_uid", f"{uid}")
        elif not all(p.check_ok for p in parsed.parts):
            result.add(LMO, "uid_check_digit_mismatch", f"{uid} (kept as registered)")
        event = doc.get("transformationEvent", "")
        if event and is_written_uid(event):
            result.add(LMO, "uid_in_event_field", f"{uid}: {event}")


def _duplicates(lmos: list[dict[str, Any]], result: CheckResult) -> None:
    by_uid: dict[str, list[str]] = defaultdict(list)
    by_event: dict[tuple[str, str], list[str]] = defaultdict(list)
    for doc in lmos:
        ident = doc["header"]["identifier"]
        parsed = try_parse_uid(doc.get("uniqueIdentification", "") or "")
        if parsed is not None:
            by_uid[parsed.key].append(ident)
        elif doc.get("transformationEvent"):
            organisms = tuple(sorted(r["identifier"] for r in doc.get("recipientOrganisms", [])))
            by_event[(norm_name(doc["transformationEvent"]), str(organisms))].append(ident)
    for key, idents in by_uid.items():
        if len(idents) > 1:
            result.add(LMO, "duplicate", f"UID {key} under {len(idents)} records")
    for (name, _), idents in by_event.items():
        if len(idents) > 1:
            result.add(LMO, "duplicate", f"event {name} under {len(idents)} records")


def _stacks(lmos: list[dict[str, Any]], result: CheckResult) -> None:
    singles: dict[str, str] = {}  # event name -> UID of single LMOs
    keys = set()
    for doc in lmos:
        parsed = try_parse_uid(doc.get("uniqueIdentification", "") or "")
        if parsed is not None:
            keys.add(parsed.key)
            if not parsed.is_stack and doc.get("transformationEvent"):
                singles.setdefault(norm_name(doc["transformationEvent"]), parsed.canonical)
    for doc in lmos:
        parsed = try_parse_uid(doc.get("uniqueIdentification", "") or "")
        if parsed is not None and parsed.is_stack:
            missing = [k for k in parsed.component_keys if k not in keys]
            if missing:
                result.add(LMO, "stack_component_not_in_registry", f"{parsed.canonical}: {missing}")
        elif parsed is None:
            names = split_stack(doc.get("transformationEvent", "") or "")
            if len(names) > 1 and all(norm_name(n) in singles for n in names):
                result.add(LMO, "stack_uid_lost", f"{doc['transformationEvent']}")


def _contradictions(
    lmos: list[dict[str, Any]],
    provenance: dict[str, dict],
    evidence: dict[str, dict[str, list[str]]],
    result: CheckResult,
) -> None:
    """Every value a source gives that the record does not show must be listed as a
    disagreement: recomputed here from the sources' traits and the record's values."""
    thesaurus = get_thesaurus()
    for doc in lmos:
        block = provenance.get(doc["header"]["identifier"])
        if block is None:
            result.add(LMO, "provenance_missing", _label(doc))
            continue
        for name in doc:
            if name in ("header", "description", "relevantInformation", "hasUniqueIdentification"):
                continue
            if name not in block.get("fields", {}):
                result.add(LMO, "provenance_missing", f"{_label(doc)}: {name}")
        shown = {d["value"].casefold() for d in block.get("disagreements", [])}
        for item in block.get("fields", {}).get("traits", []):
            if item.get("unreliable"):
                result.add(LMO, "unreliable_value_flagged", f"{_label(doc)}: traits")
        values = {t["identifier"] for t in doc.get("traits", [])}
        values |= {b for v in values for b in thesaurus.broader_closure(v)}
        for source, traits in evidence.get(block.get("key", ""), {}).items():
            for trait in traits:
                found = thesaurus.match_all("dnaSequenceTraits", trait)
                ids = {t.identifier for t in found}
                if ids and ids <= values:
                    continue
                if not ids and any(
                    t.get("customValue", {}).get("en", "").casefold() == trait.casefold()
                    for t in doc.get("traits", [])
                ):
                    continue
                if trait.casefold() not in shown:
                    result.add(
                        LMO, "contradiction_not_shown", f"{_label(doc)}: {source} says {trait!r}"
                    )
