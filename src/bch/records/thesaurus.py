"""The thesaurus: hierarchical controlled vocabularies in the six UN languages.

Each domain is one YAML file under ``vocabularies/`` (see any file there for the format). Domain
names follow the real BCH thesaurus (``DecisionTypes``, ``dnaSequenceTraits``, ...). A term's
identifier is the real BCH GUID when it is fully known, otherwise ``<domain>.<code>`` with the
known start of the real GUID kept in ``bchIdPrefix``. Two domains are built in code: ``countries``
(ISO 3166-1 alpha-2 codes + EU, names from CLDR, see :mod:`bch.records.countries`) and, when the
vocabulary directory has no ``common.yaml``, the packaged ``common`` domain holding the single
shared "Other" term (:data:`OTHER_TERM`), which every domain accepts.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bch.records import yamlfile
from bch.records.countries import COUNTRIES_DOMAIN_TITLE, countries
from bch.records.languages import LANGUAGES, display
from bch.records.thesaurus_match import LabelIndex, match_compound, normalise

__all__ = [
    "COMMON_DOMAIN",
    "COUNTRIES_DOMAIN",
    "OTHER_TERM",
    "VOCABULARY_DIR",
    "Domain",
    "Term",
    "Thesaurus",
    "ThesaurusError",
    "get_thesaurus",
]

OTHER_TERM = "5B6177DD-5E5E-434E-8CB7-D63D67D5EBED"
COMMON_DOMAIN = "common"
COUNTRIES_DOMAIN = "countries"
VOCABULARY_DIR = Path(__file__).with_name("vocabularies")

_GUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_PREFIX = re.compile(r"^[0-9A-Fa-f]{8}$")
_DOMAIN_KEYS = {"domain", "identifier", "bchIdPrefix", "title", "terms", "compounds"}
_TERM_KEYS = {"identifier", "code", "bchIdPrefix", "title", "broader", "altLabels", "flags"}


class ThesaurusError(ValueError):
    """Invalid vocabulary files; the message lists every problem found."""


@dataclass(frozen=True)
class Term:
    identifier: str
    domain: str
    code: str
    title: dict[str, str] = field(hash=False)
    broader: tuple[str, ...] = ()
    narrower: tuple[str, ...] = ()
    alt_labels: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    bch_id_prefix: str | None = None

    def label(self, lang: str = "en") -> str:
        """Title in `lang`, falling back to English."""
        return display(self.title, lang)

    def to_api(self) -> dict[str, Any]:
        """The term in the shape of the BCH thesaurus API (``/api/v2013/thesaurus/terms/{id}``)."""
        return {
            "identifier": self.identifier,
            "termId": self.identifier,
            "name": self.title.get("en", ""),
            "title": dict(self.title),
            "shortTitle": dict(self.title),
            "domain": self.domain,
            "broaderTerms": list(self.broader),
            "narrowerTerms": list(self.narrower),
            "relatedTerms": [],
            "nonPreferedTerms": list(self.alt_labels),
        }


@dataclass(frozen=True)
class Domain:
    name: str
    identifier: str
    title: dict[str, str] = field(hash=False)
    terms: tuple[Term, ...] = ()
    bch_id_prefix: str | None = None


class Thesaurus:
    """All domains and terms, with hierarchy and label matching. Build with :meth:`load`."""

    def __init__(
        self,
        domains: Iterable[Domain],
        compounds: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None,
    ) -> None:
        self._domains = list(domains)
        self._by_name = {d.name.casefold(): d for d in self._domains}
        self._by_name.update({d.identifier.casefold(): d for d in self._domains})
        self._terms = {t.identifier.casefold(): t for d in self._domains for t in d.terms}
        self._compounds = {
            name.casefold(): {normalise(label): ids for label, ids in table.items()}
            for name, table in (compounds or {}).items()
        }
        self._labels: dict[str, LabelIndex] = {}
        self.label_clashes: list[str] = []
        for d in self._domains:
            index = self._labels[d.name] = LabelIndex()
            for t in d.terms:
                labels = [*t.title.values(), *t.alt_labels, t.code, t.identifier]
                clashes = index.add(t.identifier, labels)
                self.label_clashes.extend(f"{d.name}: {c}" for c in clashes)

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def load(
        cls, path: str | Path = VOCABULARY_DIR, *, include_countries: bool = True
    ) -> Thesaurus:
        """Load every ``*.yaml`` domain under `path`; raises :class:`ThesaurusError` listing all
        problems (bad structure, missing languages, duplicate identifiers, unknown broader terms,
        cycles, a label naming two terms of one domain)."""
        path = Path(path)
        if not path.is_dir():
            raise ThesaurusError(f"{path}: not a directory")
        errors: list[str] = []
        parsed = [_parse_file(f, errors) for f in sorted(path.glob("*.yaml"))]
        if not any(p and p[0].name.casefold() == COMMON_DOMAIN for p in parsed):
            parsed.append(_parse_file(VOCABULARY_DIR / f"{COMMON_DOMAIN}.yaml", errors))
        entries = [p for p in parsed if p]
        seen_domains: dict[str, str] = {}
        seen_terms: dict[str, str] = {}
        for domain, _compounds, source in entries:
            for key in {domain.name.casefold(), domain.identifier.casefold()}:
                if key in seen_domains:
                    errors.append(
                        f"{source}: domain {key!r} already defined in {seen_domains[key]}"
                    )
                seen_domains[key] = source
            for t in domain.terms:
                key = t.identifier.casefold()
                if key in seen_terms:
                    errors.append(f"{source}: duplicate term identifier {t.identifier}")
                seen_terms[key] = source
        domains = [domain for domain, _, _ in entries]
        if include_countries:
            if COUNTRIES_DOMAIN in seen_domains:
                errors.append(f"{seen_domains[COUNTRIES_DOMAIN]}: '{COUNTRIES_DOMAIN}' is built in")
            domains.append(_countries_domain())
        thesaurus = cls(domains, {d.name: c for d, c, _ in entries if c})
        errors.extend(
            c for c in thesaurus.label_clashes if not c.startswith(f"{COUNTRIES_DOMAIN}:")
        )
        if thesaurus.term(OTHER_TERM) is None:
            errors.append(f"the shared Other term {OTHER_TERM} is not defined")
        if errors:
            raise ThesaurusError("invalid thesaurus:\n  " + "\n  ".join(errors))
        return thesaurus

    # -- lookups ---------------------------------------------------------------------------

    def domains(self) -> list[Domain]:
        return list(self._domains)

    def domain(self, name_or_identifier: str) -> Domain | None:
        """A domain by name (case-insensitive) or domain identifier/GUID."""
        return self._by_name.get(name_or_identifier.strip().casefold())

    def term(self, identifier: str) -> Term | None:
        """A term by identifier (case-insensitive; country terms are ISO codes)."""
        return self._terms.get(identifier.strip().casefold())

    def top_terms(self, domain: str) -> list[Term]:
        """The terms of a domain that have no broader term (hierarchy roots)."""
        d = self.domain(domain)
        return [t for t in d.terms if not t.broader] if d else []

    def in_domain(self, term_id: str, domain: str) -> bool:
        """True when the term belongs to the domain; the shared Other term belongs to every one."""
        d = self.domain(domain)
        t = self.term(term_id)
        if d is None or t is None:
            return False
        return t.identifier == OTHER_TERM or t.domain == d.name

    def broader_closure(self, term_id: str) -> list[str]:
        """The term and all its ancestors, nearest first (hierarchical facets, BCH ``_REL_ss``)."""
        return self._closure(term_id, "broader")

    def narrower_closure(self, term_id: str) -> list[str]:
        """The term and all its descendants (to expand a search on a broader term)."""
        return self._closure(term_id, "narrower")

    def _closure(self, term_id: str, direction: str) -> list[str]:
        start = self.term(term_id)
        if start is None:
            return []
        result = [start.identifier]
        queue = deque(getattr(start, direction))
        while queue:
            identifier = queue.popleft()
            if identifier not in result:
                result.append(identifier)
                queue.extend(getattr(self._terms[identifier.casefold()], direction))
        return result

    def flags(self, term_ids: Iterable[str]) -> set[str]:
        """Index flags (e.g. ``traitsHerbicidesResistance_b``) of the terms and their ancestors."""
        found: set[str] = set()
        for term_id in term_ids:
            for identifier in self.broader_closure(term_id):
                found.update(self._terms[identifier.casefold()].flags)
        return found

    # -- matching external labels ----------------------------------------------------------

    def match(self, domain: str, text: str) -> Term | None:
        """The term an external free-text label denotes: a title in any language, an altLabel,
        code or identifier, compared case/accent/punctuation/space-insensitively, then
        word-order- and plural-insensitively; ``A > B`` paths match their deepest known segment.
        For a label naming several terms the first is returned (see :meth:`match_all`); "Other"
        gives the shared Other term; no match gives None."""
        found = self.match_all(domain, text)
        return found[0] if found else None

    def match_all(self, domain: str, text: str) -> list[Term]:
        """All the terms a label names, e.g. "Glufosinate, 2,4-D and glyphosate tolerance" gives
        the three herbicide terms. Empty when nothing matches."""
        d = self.domain(domain)
        if d is None or not text or not text.strip():
            return []
        index = self._labels[d.name]
        single = index.lookup_path(text)
        if single:
            return [self._terms[single.casefold()]]
        listed = self._compounds.get(d.name.casefold(), {})
        identifiers = list(listed.get(normalise(text), ())) or match_compound(
            text, index.lookup, listed
        )
        if not identifiers:
            common = self._labels.get(COMMON_DOMAIN)
            other = common.lookup(text) if common else None
            identifiers = [other] if other else []
        return [self._terms[i.casefold()] for i in identifiers]


@cache
def get_thesaurus() -> Thesaurus:
    """The packaged thesaurus (loaded once)."""
    return Thesaurus.load()


# -- parsing and validation ----------------------------------------------------------------


def _check_title(value: Any, where: str, errors: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.append(f"{where}: title must be a mapping of the six languages {LANGUAGES}")
        return {}
    missing = [
        lang
        for lang in LANGUAGES
        if not isinstance(value.get(lang), str) or not value[lang].strip()
    ]
    if missing:
        errors.append(f"{where}: title missing or empty in {', '.join(missing)}")
    extra = sorted(set(map(str, value)) - set(LANGUAGES))
    if extra:
        errors.append(f"{where}: title has unexpected languages {', '.join(extra)}")
    return {lang: value[lang].strip() for lang in LANGUAGES if isinstance(value.get(lang), str)}


def _string_list(value: Any, where: str, errors: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"{where}: must be a list of non-empty strings")
        return []
    return [v.strip() for v in value]


def _prefix(value: Any, where: str, errors: list[str]) -> str | None:
    if value is None:
        return None
    if not _PREFIX.match(str(value)):
        errors.append(f"{where}: bchIdPrefix must be 8 hex digits, got {value!r}")
        return None
    return str(value).upper()


def _parse_file(
    path: Path, errors: list[str]
) -> tuple[Domain, dict[str, tuple[str, ...]], str] | None:
    source = path.name
    try:
        raw = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        errors.append(f"{source}: cannot read YAML: {exc}")
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("domain"), str):
        errors.append(f"{source}: expected a mapping with a 'domain' name")
        return None
    name = raw["domain"].strip()
    if unknown := set(raw) - _DOMAIN_KEYS:
        errors.append(f"{source}: unknown keys {sorted(unknown)}")
    title = _check_title(raw.get("title"), f"{source}: domain {name}", errors)
    if not isinstance(raw.get("terms"), list):
        errors.append(f"{source}: 'terms' must be a list")
        return None

    rows: list[dict[str, Any]] = []
    for position, item in enumerate(raw["terms"], 1):
        where = f"{source}: term #{position}"
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            errors.append(f"{where}: expected a mapping with a 'code'")
            continue
        code = item["code"].strip()
        where = f"{source}: term {code!r}"
        if unknown := set(item) - _TERM_KEYS:
            errors.append(f"{where}: unknown keys {sorted(unknown)}")
        if not _CODE.match(code):
            errors.append(f"{where}: code must be letters, digits or '_' starting with a letter")
        identifier = str(item.get("identifier") or f"{name}.{code}").strip()
        if not _GUID.match(identifier) and identifier != f"{name}.{code}":
            errors.append(
                f"{where}: identifier must be a GUID or {name}.{code!s}, got {identifier!r}"
            )
        prefix = _prefix(item.get("bchIdPrefix"), where, errors)
        if prefix and _GUID.match(identifier) and not identifier.upper().startswith(prefix):
            errors.append(
                f"{where}: identifier {identifier} does not start with bchIdPrefix {prefix}"
            )
        flags = _string_list(item.get("flags"), f"{where}: flags", errors)
        if bad := [f for f in flags if not _CODE.match(f)]:
            errors.append(f"{where}: invalid flags {bad}")
        rows.append(
            {
                "identifier": identifier,
                "code": code,
                "title": _check_title(item.get("title"), where, errors),
                "broader": _string_list(item.get("broader"), f"{where}: broader", errors),
                "alt_labels": tuple(
                    _string_list(item.get("altLabels"), f"{where}: altLabels", errors)
                ),
                "flags": tuple(flags),
                "bch_id_prefix": prefix,
            }
        )

    codes: dict[str, str] = {}
    for row in rows:
        if row["code"].casefold() in codes:
            errors.append(f"{source}: duplicate code {row['code']!r}")
        codes[row["code"].casefold()] = row["identifier"]
    by_id = {row["identifier"].casefold(): row["identifier"] for row in rows}

    def resolve(ref: str, where: str) -> str | None:
        found = by_id.get(ref.casefold()) or codes.get(ref.casefold())
        if found is None:
            errors.append(f"{where}: unknown term {ref!r} (not an identifier or code in {name})")
        return found

    for row in rows:
        refs = [resolve(b, f"{source}: broader of {row['code']!r}") for b in row["broader"]]
        row["broader"] = tuple(dict.fromkeys(r for r in refs if r))
    _check_cycles(rows, source, errors)
    narrower: dict[str, list[str]] = {row["identifier"]: [] for row in rows}
    for row in rows:
        for parent in row["broader"]:
            narrower[parent].append(row["identifier"])
    terms = tuple(
        Term(domain=name, narrower=tuple(narrower[row["identifier"]]), **row) for row in rows
    )

    compounds: dict[str, tuple[str, ...]] = {}
    for item in raw.get("compounds") or []:
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            errors.append(f"{source}: compounds entries need a 'label' and 'terms'")
            continue
        refs = _string_list(item.get("terms"), f"{source}: compound {item['label']!r}", errors)
        ids = [resolve(r, f"{source}: compound {item['label']!r}") for r in refs]
        compounds[item["label"]] = tuple(i for i in ids if i)

    identifier = str(raw.get("identifier") or name).strip()
    domain = Domain(name, identifier, title, terms, _prefix(raw.get("bchIdPrefix"), source, errors))
    return domain, compounds, source


def _check_cycles(rows: list[dict[str, Any]], source: str, errors: list[str]) -> None:
    parents = {row["identifier"]: row["broader"] for row in rows}
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = trail[trail.index(node) :] + [node]
            errors.append(f"{source}: broader cycle {' -> '.join(cycle)}")
            return
        state[node] = 1
        for parent in parents.get(node, ()):
            visit(parent, [*trail, node])
        state[node] = 2

    for node in parents:
        visit(node, [])


def _countries_domain() -> Domain:
    terms = tuple(
        Term(
            identifier=c.code,
            domain=COUNTRIES_DOMAIN,
            code=c.code,
            title=dict(c.name),
            flags=("regionOfIntegration",) if c.is_region_of_integration else (),
        )
        for c in countries()
    )
    return Domain(COUNTRIES_DOMAIN, COUNTRIES_DOMAIN, dict(COUNTRIES_DOMAIN_TITLE), terms)
