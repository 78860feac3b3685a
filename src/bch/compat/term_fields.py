"""Which v2013 term fields the facet rows can answer, and how exactly.

A publish writes each term of a record's top-level term field ``name`` as facet rows
``(name, term)`` plus one row per broader term, and as a row ``(=name, term)`` of its own
(bch.services.facets.facet_values, OWN_TERM). So:

* ``{name}_REL_ss:X`` (the term or a narrower one) is exactly the facet rows ``(name, X)``;
* ``{name}_ss:X`` / ``{name}_s:X`` (exactly the term X) is exactly the rows ``(=name, X)``,
  whether X has narrower terms or not. Only the record types whose index document has that
  field from a term field of that name count (`ExactField.schemas`): a type where ``name`` is
  single (``_s``) or not a term at all has other index fields, or facet rows under the same
  name (booleans); such a field is narrowed by the rows ``(name, X)`` and checked on the index
  documents of their records.

Fields whose facet rows hold more than the record's own field (DERIVED_FACETS) are never
translated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bch.compat.index_fields import SPECIAL, STATIC_FIELDS, index_names
from bch.services.facets import MAX_VALUE, OWN_TERM

if TYPE_CHECKING:
    from bch.records.realms import RealmRegistry

# Facet fields that hold more than a record's own field (bch.services.facets.facet_values:
# every record's country, an LMO's organism types taken from its crops, ...): a field of the same
# name is not its facet rows.
DERIVED_FACETS = {
    "realm",
    "schema",
    "country",
    "region",
    "subregion",
    "organism",
    "organismType",
    "lmoUid",
    "decisionScope",
    "decisionDate",
    "detectionMethodInRecord",
}
MAX_FIELD = 40  # facet field names are stored cut to 40 characters


@dataclass(frozen=True)
class ExactField:
    """An exact-term index field: its facet field (with broader terms), the record types whose
    index document holds it from that term field (None: every type with a field of that name
    does; (): none, the field is narrowed by the facet rows and checked)."""

    stored: str
    schemas: tuple[str, ...] | None

    @property
    def own(self) -> str:
        """The facet field of the terms a record holds itself (bch.services.facets.OWN_TERM)."""
        return OWN_TERM + self.stored


def term_fields(registry: RealmRegistry) -> tuple[dict[str, str], dict[str, ExactField]]:
    """Index names of thesaurus fields -> their facet field: `X_REL_ss` (the term or a narrower
    one) and `X_ss`/`X_s` (exactly the term), BCH aliases included (bch.compat.index_fields),
    except fields whose facet rows hold more than the field (DERIVED_FACETS)."""
    rel: dict[str, str] = {}
    holders: dict[str, set[str]] = {}  # exact index name -> schemas holding it from a term field
    named: dict[str, set[str]] = {}  # field name -> schemas with a field of that name
    other = set(STATIC_FIELDS)  # index names filled from something that is not a term field
    for rt in registry.all():
        for index_name, name in index_names(rt).items():
            if rt.fields[name].type != "term":
                other.add(index_name)
        for name, f in rt.fields.items():
            named.setdefault(name, set()).add(rt.name)
            if f.type != "term" or f.confidential or name in DERIVED_FACETS:
                continue
            rel[f"{name}_REL_ss"] = name
            holders.setdefault(f"{name}_ss" if f.many else f"{name}_s", set()).add(rt.name)
            for alias in [a for a, n in SPECIAL.items() if n == name]:  # single and many alike
                holders.setdefault(f"{alias}_ss", set()).add(rt.name)
                rel[f"{alias}_REL_ss"] = name
    exact: dict[str, ExactField] = {}
    for index_name, schemas in holders.items():
        stored = index_name.rsplit("_", 1)[0]
        stored = SPECIAL.get(stored, stored)
        if index_name in other or len(OWN_TERM + stored) > MAX_FIELD:
            exact[index_name] = ExactField(stored, ())  # narrows only: () = never exact
            continue
        every = named.get(stored, set())
        exact[index_name] = ExactField(stored, None if schemas == every else tuple(sorted(schemas)))
    return rel, exact


def own_value(value: str) -> bool:
    """Whether a value can be a row of its own as it is: stored values are non-empty and cut
    to MAX_VALUE characters (a longer one is checked on the index documents)."""
    return 0 < len(value) <= MAX_VALUE
