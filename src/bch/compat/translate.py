"""A v2013 (Solr) query translated into the search contract (bch.storage.search.contract):
the clauses the contract can express become its filters and words, the others stay as a
residual that is evaluated on the index documents of the contract's hits only.

Expressed exactly (no residual): ``schema_s``, ``government_s`` (lower-case ISO code; reference
records have none), ``realm_ss`` (lower case), ``identifier_s``, ``_state_s:public`` (every
indexed record is public), ``NOT version_s:*`` (only latest revisions are indexed),
``updatedDate_dt``/``createdDate_dt`` ranges (whole seconds), thesaurus clauses
``{field}_REL_ss`` (a term or any narrower one: the facet rows hold each term with its broader
terms) and words of the default field ``text`` (a word or a ``word*`` prefix), matched as the v1
search matches its ``q``: in the record's texts in six languages, stems included. A phrase of
several words in ``text`` is narrowed by its words, then checked as a phrase. Term fields without
``_REL`` (``lmoTraits_ss:X``: exactly X) are the rows of the terms records hold themselves
(bch.compat.term_fields), any X. A title word (``title_t:maize``, ``title_FR_t:maïs``) is the
rows of the display title's words in that language (bch.storage.text_tokens.title_word_rows);
a phrase of two words the rows of its word pair (``~p:xx``), of more the rows of its pairs, then
checked as a phrase on the records' titles only where a title holds one of its inner words
twice (rows of ``~p:xx`` too: elsewhere the pairs are exact, ``Plan.doubts``); a prefix
(``title_t:mai*``) the rows of the words it starts (a range of the sorted words). Alternatives of
one field (``schema_s:(a OR b)``) are one filter. Anything else (other fields, OR across fields,
NOT) is residual."""

from __future__ import annotations

from dataclasses import dataclass, field

from bch.compat.evaluate import parse_date
from bch.compat.index_fields import TITLE_FIELDS
from bch.compat.solr_query import MUST, MUST_NOT, SHOULD, Boolean, Clause, MatchAll, Node
from bch.compat.term_fields import ExactField, own_value
from bch.records.identifiers import REFERENCE_OWNER
from bch.storage.scope import ReadScope
from bch.storage.search.contract import DateRange, Filter, SearchRequest
from bch.storage.text_tokens import (
    MAX_QUERY_WORDS,
    MAX_TITLE_WORD,
    exact_words,
    title_pairs,
    words,
)

NOTHING = Filter("ids", "nothing", "id", ())
DATES = {"updatedDate_dt": "updated", "createdDate_dt": "created"}
ORDER = {
    "updatedDate_dt": "updated",
    "createdDate_dt": "created",
    "identifier_s": "identifier",
    "schema_s": "schema",
    "_revision_i": "revision",
}


@dataclass
class Plan:
    """Filters and words (all must hold) and residual nodes (all must match). `doubts`: residual
    nodes that hold on every hit of the filters and words but, perhaps, those that also match
    a filter of their own (its doubt): only those need the node checked."""

    filters: list[Filter] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    residual: list[Node] = field(default_factory=list)
    doubts: list[tuple[Node, Filter]] = field(default_factory=list)

    def add(self, other: Plan) -> None:
        self.filters += other.filters
        self.words += other.words
        self.residual += other.residual
        self.doubts += other.doubts

    def doubtful(self) -> list[Filter] | None:
        """The doubt filters of the residual nodes when each has one (a hit that matches none
        of them matches every residual node); None when a residual node has none."""
        found = []
        for node in self.residual:
            doubt = next((d for n, d in self.doubts if n is node), None)
            if doubt is None:
                return None
            found.append(doubt)
        return found

    @property
    def narrows(self) -> bool:
        return bool(self.filters or self.words)

    def request(self, scope: ReadScope) -> SearchRequest:
        return SearchRequest(scope=scope, filters=tuple(self.filters), q=" ".join(self.words))


class Translator:
    def __init__(self, rel_fields: dict[str, str], term_fields: dict[str, ExactField]):
        self.rel_fields = rel_fields  # X_REL_ss -> facet field (terms with broader closure)
        self.term_fields = term_fields  # X_ss / X_s of a term field -> its facet fields

    def plan(self, node: Node) -> Plan:
        if isinstance(node, MatchAll):
            return Plan()
        if isinstance(node, Clause):
            return self._clause(node)
        must = [c for o, c in node.clauses if o == MUST]
        should = [c for o, c in node.clauses if o == SHOULD]
        out = Plan()
        for occur, child in node.clauses:
            if occur != MUST_NOT:
                continue
            if isinstance(child, Clause) and child.field == "version_s" and child.kind == "exists":
                continue  # never set: NOT version_s:* holds for every document
            out.residual.append(Boolean(((MUST_NOT, child),)))
        if must:  # Lucene: optional clauses do not restrict when some are required
            for child in must:
                out.add(self.plan(child))
        elif len(should) == 1:
            out.add(self.plan(should[0]))
        elif should:
            out.add(self._alternatives(Boolean(tuple((SHOULD, c) for c in should))))
        return out

    def _alternatives(self, node: Boolean) -> Plan:
        """field:a OR field:b on one expressible field: one filter; else residual."""
        parts = [c for _o, c in node.clauses]
        if not all(isinstance(c, Clause) and c.kind in ("term", "phrase") for c in parts):
            return Plan(residual=[node])
        fields = {c.field for c in parts}  # type: ignore[union-attr]
        if len(fields) != 1:
            return Plan(residual=[node])
        plans = [self._clause(c) for c in parts]  # type: ignore[arg-type]
        if any(p.residual or p.words or len(p.filters) != 1 for p in plans):
            return Plan(residual=[node])
        kinds = {(p.filters[0].kind, p.filters[0].stored) for p in plans if p.filters[0] != NOTHING}
        if len(kinds) > 1:
            return Plan(residual=[node])
        values = tuple(v for p in plans for v in p.filters[0].values)
        if not kinds:
            return Plan(filters=[NOTHING])
        (kind, stored), first = kinds.pop(), plans[0].filters[0]
        name = first.name if first != NOTHING else stored
        return Plan(filters=[Filter(kind, name, stored, tuple(dict.fromkeys(values)))])

    def _clause(self, c: Clause) -> Plan:
        residual = Plan(residual=[c])
        if c.kind == "range":
            if c.field not in DATES:
                return residual
            bounds = DateRange(
                parse_date(c.value) if c.value else None,
                parse_date(c.upper) if c.upper else None,
                c.include_lower,
                c.include_upper,
            )
            return Plan(filters=[Filter("date", c.field, DATES[c.field], (bounds,))])
        if c.field in TITLE_FIELDS and c.kind in ("term", "prefix", "phrase"):
            return _title_words(c)
        if c.field == "text" and c.kind in ("term", "prefix", "phrase"):
            found = words(c.value)
            if not found or len(found) > MAX_QUERY_WORDS:
                return residual
            if c.kind == "prefix" and len(found) > 1:
                return residual
            exact = len(found) == 1 and c.kind != "phrase"
            return Plan(words=found, residual=[] if exact else [c])
        if c.kind not in ("term", "phrase"):
            return residual
        v = c.value
        if c.field == "schema_s":
            return Plan(filters=[Filter("column", "schema", "schema", (v,))])
        if c.field == "government_s":
            ok = v == v.lower() and v.upper() != REFERENCE_OWNER
            return Plan(
                filters=[Filter("column", "country", "country", (v.upper(),)) if ok else NOTHING]
            )
        if c.field == "realm_ss":
            ok = v == v.lower()
            return Plan(
                filters=[Filter("column", "realm", "realm", (v.upper(),)) if ok else NOTHING]
            )
        if c.field == "identifier_s":
            return Plan(filters=[Filter("identifier", "identifier", "identifier", (v,))])
        if c.field == "_state_s":
            return Plan() if v == "public" else Plan(filters=[NOTHING])
        if c.field in self.rel_fields:
            stored = self.rel_fields[c.field]
            return Plan(filters=[Filter("facet", stored, stored, (v,))])
        if c.field in self.term_fields:  # exactly the term: the rows of the records' own terms
            exact = self.term_fields[c.field]
            if exact.schemas == () or not own_value(v):  # narrowed by the closure, checked
                rows = Filter("facet", exact.stored, exact.stored, (v,))
                return Plan(filters=[rows], residual=[c])
            own = Filter("facet", exact.own, exact.own, (v,))
            if exact.schemas is None:
                return Plan(filters=[own])
            return Plan(filters=[own, Filter("column", "schema", "schema", exact.schemas)])
        return residual


def _title_words(c: Clause) -> Plan:
    """A title field's words as the rows of the display title's words in its language
    (bch.storage.text_tokens.title_word_rows holds them as the evaluator splits and folds them):
    one word is its rows; a phrase of n words the rows of its n - 1 adjacent pairs (exact for
    two words; for more, exact on the records whose title holds none of its inner words twice,
    so checked on those only: its doubt, the rows of those words held twice); a prefix (`mai*`)
    the rows of the words it starts, a range of the sorted words (exact)."""
    found = exact_words(c.value)
    if not found or len(found) > MAX_QUERY_WORDS:
        return _title_prefix(c)
    lang = "en" if c.field == "title_t" else c.field.split("_")[1].lower()
    if c.kind == "prefix":
        # the evaluator matches the last word as a prefix; one word only, short enough to be
        # a long word's row (LONG_WORD and its first MAX_TITLE_WORD - 1 characters)
        if len(found) > 1 or len(found[0]) >= MAX_TITLE_WORD:
            return _title_prefix(c)
        return Plan(filters=[Filter("titlePrefix", c.field, lang, (found[0],))])
    if any(len(w) > MAX_TITLE_WORD for w in found):
        return _title_prefix(c)
    if len(found) == 1:
        return Plan(filters=[Filter("titleWords", c.field, lang, (found[0],))])
    pairs = title_pairs(found)
    if any(len(p) > MAX_TITLE_WORD for p in pairs):  # not rows: narrowed by the words, checked
        title = [Filter("titleWords", c.field, lang, (w,)) for w in dict.fromkeys(found)]
        return Plan(filters=title, residual=[c])
    rows = [Filter("titlePairs", c.field, lang, (p,)) for p in dict.fromkeys(pairs)]
    if len(found) == 2:
        return Plan(filters=rows)
    twice = Filter("titlePairs", c.field, lang, tuple(dict.fromkeys(found[1:-1])))
    return Plan(filters=rows, residual=[c], doubts=[(c, twice)])


def _title_prefix(c: Clause) -> Plan:
    """A title field's words narrowed by the index's title words (each a filter), then checked
    on the records' rows (bch.compat.select: title fields are row fields). The index's title
    entries of a word hold the word itself (diacritics folded) whenever the evaluator's case
    folding finds it, for ASCII words without "ss" (ß folds to ss)."""
    found = words(c.value)
    if not found or len(found) > MAX_QUERY_WORDS or (c.kind == "prefix" and len(found) > 1):
        return Plan(residual=[c])
    if not all(w.isascii() and "ss" not in w for w in found):
        return Plan(residual=[c])
    title = [Filter("title", c.field, "title", (w,)) for w in dict.fromkeys(found)]
    return Plan(filters=title, residual=[c])


def column_order(sort: list[tuple[str, bool]]) -> list[tuple[str, bool]] | None:
    """A Solr sort as the contract's column order (score: every score is equal, skipped);
    None when a field is not a column."""
    out = []
    for name, descending in sort:
        if name == "score":
            continue
        if name not in ORDER:
            return None
        out.append((ORDER[name], descending))
    return out
