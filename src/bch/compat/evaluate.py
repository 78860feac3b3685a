"""Evaluate parsed Solr queries against index documents (dicts from index_fields), with the
semantics of the Solr field suffixes: ``_s``/``_ss`` exact strings, ``_t``/``_txt`` tokenised
case-insensitive text, ``_b`` booleans, ``_dt`` dates, ``_i`` integers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from bch.compat.solr_query import (
    MUST,
    MUST_NOT,
    SHOULD,
    Boolean,
    Clause,
    MatchAll,
    Node,
    SolrSyntaxError,
)
from bch.storage.text_tokens import exact_words


def tokens(text: str) -> list[str]:
    return list(_analysed(text)[0])


@lru_cache(maxsize=4096)
def _analysed(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The words of a text, in order and as a set. Cached: a query's clauses are evaluated one
    document after the other, so each document text is split once, not once per clause."""
    found = tuple(exact_words(text))  # Solr folds case fully (ß -> ss)
    return found, frozenset(found)


def is_text(field: str) -> bool:
    return field == "text" or field.endswith(("_t", "_txt"))


def fields_of(node: Node) -> set[str]:
    if isinstance(node, Clause):
        return {node.field}
    if isinstance(node, Boolean):
        out: set[str] = set()
        for _occur, child in node.clauses:
            out |= fields_of(child)
        return out
    return set()


def check(node: Node, catalog: set[str]) -> None:
    """Refuse fields this server does not index and values that cannot be compared."""
    for name in sorted(fields_of(node)):
        if name not in catalog:
            raise SolrSyntaxError(f"field {name!r} is not indexed by this server")
    _check_values(node)


def _check_values(node: Node) -> None:
    if isinstance(node, Boolean):
        for _o, child in node.clauses:
            _check_values(child)
    elif isinstance(node, Clause):
        if node.field.endswith("_dt") and node.kind in ("term", "range"):
            for v in (node.value, node.upper) if node.kind == "range" else (node.value,):
                if v:
                    parse_date(v)
        if node.field.endswith("_i") and node.kind in ("term", "range"):
            for v in (node.value, node.upper) if node.kind == "range" else (node.value,):
                if v and not re.fullmatch(r"-?\d+", v):
                    raise SolrSyntaxError(f"{node.field} needs an integer, got {v!r}")
        if (
            node.field.endswith("_b")
            and node.kind == "term"
            and node.value not in ("true", "false")
        ):
            raise SolrSyntaxError(f"{node.field} is true or false, got {node.value!r}")


def parse_date(value: str) -> datetime:
    if value == "NOW":
        return datetime.now(UTC)
    text = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SolrSyntaxError(
            f"{value!r} is not a Solr date (YYYY-MM-DDThh:mm:ssZ or NOW; date math is not supported)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def matches(node: Node, doc: dict[str, Any]) -> bool:
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, Clause):
        return _clause(node, doc)
    must = [c for o, c in node.clauses if o == MUST]
    should = [c for o, c in node.clauses if o == SHOULD]
    must_not = [c for o, c in node.clauses if o == MUST_NOT]
    if any(matches(c, doc) for c in must_not):
        return False
    if must:
        return all(matches(c, doc) for c in must)
    if should:
        return any(matches(c, doc) for c in should)
    return True  # only negative clauses: everything else matches


def _values(doc: dict[str, Any], field: str) -> list[Any]:
    value = doc.get(field)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _clause(c: Clause, doc: dict[str, Any]) -> bool:
    values = _values(doc, c.field)
    if c.kind == "exists":
        return bool(values)
    if not values:
        return False
    if is_text(c.field):
        return _text(c, [str(v) for v in values])
    if c.field.endswith("_b"):
        wanted = c.value.lower() == "true"
        return c.kind == "term" and any(v is wanted for v in values)
    if c.kind == "range":
        return any(_in_range(c, v) for v in values)
    if c.field.endswith("_dt") and c.kind == "term":
        target = parse_date(c.value)
        return any(parse_date(str(v)) == target for v in values)
    strings = [str(v) for v in values]
    if c.kind == "prefix":
        return any(s.startswith(c.value) for s in strings)
    return c.value in strings  # term and phrase: exact on string fields


def _text(c: Clause, values: list[str]) -> bool:
    wanted = _analysed(c.value)[0]
    if c.kind == "range":
        return any(_in_range(c, t) for v in values for t in _analysed(v)[1])
    for v in values:
        have, distinct = _analysed(v)
        if c.kind == "prefix":
            if wanted and any(t.startswith(wanted[-1]) for t in distinct):
                return True
        elif c.kind == "phrase" or len(wanted) > 1:
            n = len(wanted)
            if n and any(have[i : i + n] == wanted for i in range(len(have) - n + 1)):
                return True
        elif wanted and wanted[0] in distinct:
            return True
    return False


def _in_range(c: Clause, value: Any) -> bool:
    def key(v: Any) -> Any:
        if c.field.endswith("_dt"):
            return parse_date(str(v))
        if c.field.endswith("_i"):
            return int(v)
        return str(v)

    v = key(value)
    if c.value:
        lo = key(c.value)
        if v < lo or (v == lo and not c.include_lower):
            return False
    if c.upper is not None:
        hi = key(c.upper)
        if v > hi or (v == hi and not c.include_upper):
            return False
    return True


def pushdown(node: Node) -> dict[str, list[str]]:
    """Filters of the search service implied by required top-level clauses (schema, country,
    realm): a superset of the matches, used to narrow what is loaded and tested."""
    required: list[Node]
    if isinstance(node, Boolean):
        required = [c for o, c in node.clauses if o == MUST]
        if not required and len([o for o, _ in node.clauses if o == SHOULD]) == 1:
            required = [c for o, c in node.clauses if o == SHOULD]
    else:
        required = [node]
    out: dict[str, list[str]] = {}
    names = {"schema_s": "schema", "government_s": "country", "realm_ss": "realm"}
    for c in required:
        alternatives = _alternatives(c)
        if alternatives is None:
            continue
        field, values = alternatives
        if field in names and names[field] not in out:
            out[names[field]] = values
    return out


def _alternatives(node: Node) -> tuple[str, list[str]] | None:
    """field:(a OR b) / field:a as (field, [a, b]) when every alternative is an exact term."""
    if isinstance(node, Clause) and node.kind in ("term", "phrase"):
        return node.field, [node.value]
    if isinstance(node, Boolean) and all(o == SHOULD for o, _ in node.clauses):
        parts = [_alternatives(c) for _o, c in node.clauses]
        if all(p is not None for p in parts) and len({p[0] for p in parts if p}) == 1:
            return parts[0][0], [v for p in parts if p for v in p[1]]  # type: ignore[index]
    return None
