"""The CBD ``/api/v2013/index`` (Solr select) answered from our records.

Each q and fq is translated into the search contract (bch.compat.translate): the clauses it can
express become filters and words of a search request in the caller's read scope (drafts and
deleted records never appear), answered by the search service's engine like a v1 search. When
nothing is left over and the sort is on record columns, numFound is the engine's total and the
page is the engine's, by offset (the hits are walked once per database state, see
bch.storage.search.positions): only the page's index documents are built, and none when `fl`
asks for fields of the documents row only (ROW_FIELDS). Facets on schema_s, government_s,
realm_ss and thesaurus ``_REL_ss`` fields are the contract's facet counts (a request per facet,
without the fq its ``{!ex}`` excludes), when the engine's counts are complete. Otherwise the
residual clauses and the facets are evaluated exactly on the index documents (cached per
revision) of the engine's hits only; on their row documents when the residual clauses and the
sort read ROW_FIELDS only, on their titles alone, in the engine's kept order, when the residual
clauses read title fields only and the sort is on columns (a title phrase of three words or
more: only the titles of the hits that hold one of its inner words twice, Plan.doubts); the
page's index documents built afterwards."""

from __future__ import annotations

import fnmatch
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bch.compat.evaluate import check, fields_of, is_text, matches, tokens
from bch.compat.index_fields import (
    ROW_FIELDS,
    TITLE_FIELDS,
    field_catalog,
    index_document,
    row_document,
    title_fields,
)
from bch.compat.solr_query import (
    MAX_CLAUSES,
    Node,
    SolrSyntaxError,
    clause_count,
    local_params,
    parse,
)
from bch.compat.term_fields import term_fields
from bch.compat.translate import Plan, Translator, column_order
from bch.records.fields import RecordType
from bch.records.identifiers import REFERENCE_OWNER
from bch.records.realms import UnknownSchema
from bch.services.errors import BadRequest
from bch.services.numbers import MAX_INT, is_ascii_number, number_from_text
from bch.services.policy import ANONYMOUS, Principal, read_scope
from bch.storage.rows import DocumentRow
from bch.storage.scope import ReadScope
from bch.storage.search.contract import FACET_SIZE, SearchRequest
from bch.storage.search.positions import Positions

if TYPE_CHECKING:
    from bch.services.container import Services

MAX_ROWS = 10000
CACHE_SIZE = 50_000  # index documents kept between requests
WALK_CHUNK = 2_000  # records whose index documents a walk holds at once
FACET_BUDGET = 30.0  # seconds for each facet count of the contract (exact counts are needed)
UNSUPPORTED = (
    "facet.query",
    "facet.pivot",
    "facet.range",
    "facet.missing",
    "group",
    "stats",
    "bq",
    "bf",
    "boost",
    "qf",
    "mlt",
    "cursorMark",
    "spellcheck",
    "expand",
)
SINGLE = {"q", "fl", "sort", "start", "rows", "df", "wt", "q.op", "defType", "facet", "facet.limit"}


def bad(param: str, message: str) -> BadRequest:
    return BadRequest(
        f"{param}: {message}",
        errors=[{"code": "Error.InvalidParameter", "path": param, "message": message}],
    )


@dataclass
class Filter:
    node: Node
    tags: set[str]


@dataclass
class Check:
    """One q or fq as the contract's hits (None: every record) and residual nodes."""

    ids: set[int] | None
    residual: list[Node]

    def ok(self, doc_id: int, doc: dict[str, Any]) -> bool:
        return (self.ids is None or doc_id in self.ids) and all(
            matches(r, doc) for r in self.residual
        )


class SelectService:
    def __init__(self, svc: Services):
        self.svc = svc
        self.catalog = field_catalog(svc.registry)
        # doc id -> (revision, index doc), the most recently used last
        self._cache: OrderedDict[int, tuple[int, dict[str, Any]]] = OrderedDict()
        self.fast = True  # translate into the contract (tests turn it off to compare)
        self.answered_by_engine = 0  # requests whose page came from the engine (tests read it)
        self.evaluated = Positions()  # ordered hits of queries with residual clauses, per state
        rel, terms = term_fields(svc.registry)
        self.translator = Translator(rel, terms)

    # -- request --------------------------------------------------------------------------------
    def select(
        self, raw: list[tuple[str, str]], principal: Principal = ANONYMOUS
    ) -> dict[str, Any]:
        started = time.perf_counter()
        params = normalise(raw)
        for name in UNSUPPORTED:
            if name in params and params[name][-1].lower() not in ("", "false", "off"):
                raise bad(name, "is not supported by this server")
        if any(k.startswith("f.") and k.endswith(".facet.query") for k in params):
            raise bad("facet.query", "is not supported by this server")
        if params.get("wt", ["json"])[-1] not in ("json", ""):
            raise bad("wt", "only wt=json is supported")
        if params.get("defType", ["lucene"])[-1] not in ("lucene", "standard"):
            raise bad("defType", "only the standard (lucene) query parser is supported")
        one = {k: v[-1] for k, v in params.items() if k in SINGLE}
        start = _int(one.get("start", "0"), "start", 0, None)
        rows = _int(one.get("rows", "10"), "rows", 0, MAX_ROWS)
        default_field = one.get("df", "text")
        op = one.get("q.op", "OR")
        if default_field not in self.catalog:
            raise bad("df", f"field {default_field!r} is not indexed by this server")
        q = self._parse("q", one.get("q") or "*:*", default_field, op, set())[0]
        filters = [
            Filter(*self._parse("fq", fq, default_field, op, {"tag"}))
            for fq in params.get("fq", [])
            if fq.strip()
        ]
        if clause_count(q) + sum(clause_count(f.node) for f in filters) > MAX_CLAUSES:
            raise bad("fq", f"q and fq have more than {MAX_CLAUSES:,} clauses together")
        facet_fields = self._facet_fields(params) if _on(one.get("facet")) else []
        sort = self._sort(one.get("sort"))
        need_universe = any(
            self._facet_opt(params, f, "facet.mincount", "0") == "0" for f, *_ in facet_fields
        )
        scope = read_scope(principal)
        nodes = [q, *[f.node for f in filters]]
        plan = self._plan(nodes) if self.fast else None
        order = column_order(sort) if plan is not None else None
        universe: list[tuple[int, dict[str, Any]]] = []
        checks: list[Check] = []
        by_engine = plan is not None and not plan.residual and order is not None
        counted = None  # facet counts of the contract (None: counted on index documents)
        if by_engine and facet_fields:
            counted = self._engine_counts(params, facet_fields, nodes, filters, scope)
        if by_engine and (not facet_fields or counted is not None):
            found, rows_ = self.svc.search.run(
                plan.request(scope), "ordered_ids", order, start, rows
            )
            if _row_fields_only(one.get("fl")):
                page_docs = [row_document(r, self._record_type(r)) for r in rows_]
            else:
                page_docs = self._index_docs(rows_)
            self.answered_by_engine += 1
        else:
            if plan is None:  # the reference: every record, every clause evaluated
                checks = [Check(None, [n]) for n in nodes]
                universe = self._universe(scope, [])
            elif not facet_fields:  # the engine's hits, the residual evaluated on them
                found, page_docs = self._evaluated(scope, plan, nodes, sort, start, rows, one)
            else:  # facets count over a universe: each q/fq's hits and residual apart
                checks = [self._check(scope, self.translator.plan(n)) for n in nodes]
                excluded = {tag for _f, _k, ex in facet_fields for tag in ex}
                narrowing = [
                    c for c, f in zip(checks[1:], filters, strict=True) if not (f.tags & excluded)
                ]
                universe = self._universe(scope, [] if need_universe else [checks[0], *narrowing])
            if plan is None or facet_fields:
                hits = _sorted(
                    [(i, d) for i, d in universe if all(c.ok(i, d) for c in checks)], sort
                )
                found, page_docs = len(hits), [d for _i, d in hits[start : start + rows]]
        body: dict[str, Any] = {
            "responseHeader": {"status": 0, "QTime": 0, "params": echo(params)},
            "response": {
                "numFound": found,
                "start": start,
                "docs": [project(d, one.get("fl")) for d in page_docs],
            },
        }
        if _on(one.get("facet")):
            body["facet_counts"] = {
                "facet_queries": {},
                "facet_fields": counted
                if counted is not None
                else {
                    key: self._count(params, field, universe, checks, filters, ex)
                    for field, key, ex in facet_fields
                },
                "facet_ranges": {},
                "facet_intervals": {},
                "facet_heatmaps": {},
            }
        body["responseHeader"]["QTime"] = int((time.perf_counter() - started) * 1000)
        return body

    def _parse(
        self, param: str, text: str, df: str, op: str, allowed: set[str]
    ) -> tuple[Node, set[str]]:
        try:
            local, rest = local_params(text, allowed)
            node = parse(rest, df, op)
            check(node, self.catalog)
        except SolrSyntaxError as exc:
            raise bad(param, str(exc)) from None
        tags = set(local.get("tag", "").split(",")) - {""}
        return node, tags

    def _facet_fields(self, params: dict[str, list[str]]) -> list[tuple[str, str, set[str]]]:
        out = []
        for raw in params.get("facet.field", []):
            try:
                local, name = local_params(raw, {"ex", "key"})
            except SolrSyntaxError as exc:
                raise bad("facet.field", str(exc)) from None
            name = name.strip()
            if name not in self.catalog:
                raise bad("facet.field", f"field {name!r} is not indexed by this server")
            out.append((name, local.get("key", name), set(local.get("ex", "").split(",")) - {""}))
        return out

    def _sort(self, raw: str | None) -> list[tuple[str, bool]]:
        if not raw or not raw.strip():
            return []
        out = []
        for part in raw.split(","):
            bits = part.split()
            if len(bits) != 2 or bits[1].lower() not in ("asc", "desc"):
                raise bad("sort", f"{part.strip()!r} is not 'field asc|desc'")
            name = bits[0]
            if name != "score" and (
                name not in self.catalog or name.endswith(("_ss", "_txt")) or name == "text"
            ):
                raise bad("sort", f"cannot sort on {name!r} (a single-valued indexed field)")
            out.append((name, bits[1].lower() == "desc"))
        return out

    @staticmethod
    def _facet_opt(params: dict[str, list[str]], field: str, name: str, default: str) -> str:
        per = params.get(f"f.{field}.{name}")
        return (per or params.get(name) or [default])[-1]

    def _facet_options(self, params, field) -> tuple[int, int, str, str]:
        """facet.limit, facet.mincount, facet.prefix and facet.sort of `field`, checked."""
        limit = _int(self._facet_opt(params, field, "facet.limit", "100"), "facet.limit", -1, None)
        mincount = _int(
            self._facet_opt(params, field, "facet.mincount", "0"), "facet.mincount", 0, None
        )
        prefix = self._facet_opt(params, field, "facet.prefix", "")
        order = self._facet_opt(params, field, "facet.sort", "count" if limit > 0 else "index")
        if order not in ("count", "index"):
            raise bad("facet.sort", "count or index")
        return limit, mincount, prefix, order

    def _count(self, params, field, universe, checks, filters, ex) -> list[Any]:
        options = self._facet_options(params, field)
        active = [checks[0]] + [
            c for c, f in zip(checks[1:], filters, strict=True) if not (f.tags & ex)
        ]
        counts: dict[str, int] = {}
        for i, d in universe:
            values = facet_values(d, field)
            hit = all(c.ok(i, d) for c in active)
            for v in values:
                counts[v] = counts.get(v, 0) + (1 if hit else 0)
        return _facet_list(counts, *options)

    def _engine_counts(
        self, params, facet_fields, nodes: list[Node], filters: list[Filter], scope: ReadScope
    ) -> dict[str, list[Any]] | None:
        """Each facet's counts from the contract's facet counts (a request per facet: the q and
        the fq it does not exclude), when every facet is a contract facet and every count is
        complete; else None (the facets are counted on the index documents)."""
        need_universe = any(
            self._facet_opt(params, f, "facet.mincount", "0") == "0" for f, *_ in facet_fields
        )
        plans = [self.translator.plan(n) for n in nodes]
        tags = [set(), *[f.tags for f in filters]]
        out: dict[str, list[Any]] = {}
        for field, key, ex in facet_fields:
            facet = self._contract_facet(field)
            if facet is None:
                return None
            limit, mincount, prefix, order = self._facet_options(params, field)
            active = Plan()
            for p, t in zip(plans, tags, strict=True):
                if not (t & ex):
                    active.add(p)
            counts = self._facet_counts(scope, active, *facet)
            if counts is not None and mincount == 0:  # values of every record, count 0 or more
                every = self._facet_counts(scope, Plan(), *facet) if need_universe else None
                counts = None if every is None else {v: counts.get(v, 0) for v in every}
            if counts is None:
                return None
            out[key] = _facet_list(counts, limit, mincount, prefix, order)
        return out

    def _contract_facet(self, field: str) -> tuple[str, Callable[[str], str | None]] | None:
        """The contract's facet for a v2013 facet field, and its values as v2013 values."""
        if field == "schema_s":
            return "schema", str
        if field == "realm_ss":
            return "realm", str.lower
        if field == "government_s":  # reference records have no government
            return "country", lambda v: None if v == REFERENCE_OWNER else v.lower()
        if field in self.translator.rel_fields:  # facet rows: each term and its broader terms
            return self.translator.rel_fields[field], str
        return None

    def _facet_counts(
        self, scope: ReadScope, plan: Plan, stored: str, value: Callable[[str], str | None]
    ) -> dict[str, int] | None:
        """value -> count over the plan's hits; None when the engine's count may be cut (its
        FACET_SIZE most frequent values) or ran out of time."""
        request = replace(plan.request(scope), facets=(stored,), limit=1, facet_budget=FACET_BUDGET)
        hits = self.svc.search.run(request)
        pairs = hits.facets.get(stored, [])
        if hits.timed_out or len(pairs) >= FACET_SIZE:
            return None
        out: dict[str, int] = {}
        for v, n in pairs:
            name = value(v)
            if name is not None:
                out[name] = out.get(name, 0) + n
        return out

    def _evaluated(self, scope, plan: Plan, nodes, sort, start: int, rows: int, one) -> tuple:
        """numFound and the page's documents of a query with residual clauses: the engine's hits
        evaluated, in order, once per database state (kept like the engine's positions; not
        when a clause reads the clock, NOW), on row documents when the residual and the sort
        read ROW_FIELDS only (title words); the page's index documents built afterwards."""
        on_rows = _on_rows(plan.residual, sort)
        order = column_order(sort)
        titles_only = order is not None and _fields(plan.residual) <= TITLE_FIELDS

        def walk() -> list[tuple[int]]:
            if titles_only:  # the engine's order, its hits' titles checked (no row, no sort)
                return self._title_walk(scope, plan, order)
            # chunk by chunk: only the hits' sort values are kept, never every candidate's
            # index document and body at once (a broad term's closure at a million records
            # held gigabytes), and the documents cache keeps pages, not the walk
            check = Check(None, plan.residual)
            fields = [f for f, _d in sort if f != "score"]
            kept = [
                (i, {f: d.get(f) for f in fields})
                for chunk in self._universe_chunks(scope, [self._check(scope, plan)], on_rows)
                for i, d in chunk
                if check.ok(i, d)
            ]
            return [(i,) for i, _d in _sorted(kept, sort)]

        key = (repr(nodes), tuple(sort), scope)
        if "'NOW'" in key[0]:
            ids = [i for (i,) in walk()]
        else:
            ids = self.evaluated.ordered(key, self.svc.search.state(), walk)
        page = self.svc.search.documents(list(ids[start : start + rows]))
        if _row_fields_only(one.get("fl")):
            return len(ids), [row_document(r, self._record_type(r)) for r in page]
        return len(ids), self._index_docs(page)

    def _title_walk(self, scope: ReadScope, plan: Plan, order) -> list[tuple[int]]:
        """The hits of a query whose residual clauses read title fields only, in a column
        order: the engine's ordered hits, each kept when its titles match (read in chunks)."""
        check = Check(None, plan.residual)
        request = plan.request(scope)
        ids = self.svc.search.ordered_hits(request, order)
        doubts = plan.doubtful()
        if doubts is not None:  # only the hits that match a doubt are checked (title phrases)
            # the doubt's rows alone (words held twice: usually fewer records than the pairs)
            doubtful = {
                i
                for d in doubts
                for i in self.svc.search.run(SearchRequest(scope=scope, filters=(d,)), "hit_ids")
            }
            if not doubtful:
                return [(i,) for i in ids]
        out: list[tuple[int]] = []
        for at in range(0, len(ids), WALK_CHUNK):
            part = list(ids[at : at + WALK_CHUNK])
            if doubts is None:
                titles = self.svc.search.titles(part)
                out += [(i,) for i in part if i in titles and check.ok(i, title_fields(titles[i]))]
                continue
            titles = self.svc.search.titles([i for i in part if i in doubtful])
            out += [
                (i,)
                for i in part
                if i not in doubtful or (i in titles and check.ok(i, title_fields(titles[i])))
            ]
        return out

    # -- the contract -------------------------------------------------------------------------
    def _plan(self, nodes: list[Node]) -> Plan:
        plan = Plan()
        for node in nodes:
            plan.add(self.translator.plan(node))
        return plan

    def _check(self, scope: ReadScope, plan: Plan) -> Check:
        if not plan.narrows:
            return Check(None, plan.residual)
        return Check(set(self.svc.search.run(plan.request(scope), "hit_ids")), plan.residual)

    def _universe(
        self, scope: ReadScope, checks: list[Check], on_rows: bool = False
    ) -> list[tuple[int, dict[str, Any]]]:
        """(id, index document) of the records in scope that every check's hits hold (all of
        them when no check narrows), in id order; `on_rows`: their row documents instead (the
        ROW_FIELDS only, no body read)."""
        chunks = self._universe_chunks(scope, checks, on_rows, keep=True)
        return [h for chunk in chunks for h in chunk]

    def _universe_chunks(
        self, scope: ReadScope, checks: list[Check], on_rows: bool = False, keep: bool = False
    ) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        """_universe, WALK_CHUNK records at a time; `keep`: their index documents kept in the
        cache (a walk does not: it would evict every page's, and hold them all)."""
        narrowing = [c.ids for c in checks if c.ids is not None]
        if narrowing:
            ids = sorted(set.intersection(*narrowing))
        else:
            ids = self.svc.search.run(Plan().request(scope), "hit_ids")
        for at in range(0, len(ids), WALK_CHUNK):
            rows = self.svc.search.documents(ids[at : at + WALK_CHUNK])
            if on_rows:
                yield [(r.id, row_document(r, self._record_type(r))) for r in rows]
            else:
                docs = self._index_docs(rows, keep=keep)
                yield list(zip([r.id for r in rows], docs, strict=True))

    def _index_docs(self, rows: list[DocumentRow], keep: bool = True) -> list[dict[str, Any]]:
        """The index documents of `rows`, in their order (confidential fields withheld);
        `keep`: the new ones kept in the cache (else only read from it)."""
        made: dict[int, dict[str, Any]] = {}
        missing = [r for r in rows if self._cache.get(r.id, (None,))[0] != r.latest_revision]
        if missing:
            bodies = self.svc.records.latest_bodies(missing)
            for r in missing:
                if r.id not in bodies:
                    continue
                doc = index_document(r, bodies[r.id], self._record_type(r), self.svc.thesaurus)
                if keep:
                    self._cache[r.id] = (r.latest_revision, doc)
                else:
                    made[r.id] = doc
        out = []
        for r in rows:
            if r.id in made:
                out.append(made[r.id])
            elif r.id in self._cache:
                out.append(self._cache[r.id][1])
                self._cache.move_to_end(r.id)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return out

    def _record_type(self, r: DocumentRow) -> RecordType | None:
        try:
            return self.svc.registry.record_type(r.schema, r.realm)
        except UnknownSchema:
            return None


def _facet_list(
    counts: dict[str, int], limit: int, mincount: int, prefix: str, order: str
) -> list[Any]:
    """Solr's facet_fields list: value, count, value, count... of the values kept."""
    pairs = [(v, n) for v, n in counts.items() if n >= mincount and v.startswith(prefix)]
    pairs.sort(key=(lambda p: (-p[1], p[0])) if order == "count" else (lambda p: p[0]))
    if limit >= 0:
        pairs = pairs[:limit]
    return [x for pair in pairs for x in pair]


def _sorted(hits: list[tuple[int, dict[str, Any]]], sort) -> list[tuple[int, dict[str, Any]]]:
    """(id, document) pairs in a Solr sort (stable: id order within ties; documents without the
    field last)."""
    for field, descending in reversed(sort):
        if field == "score":
            continue
        present = [h for h in hits if h[1].get(field) is not None]
        missing = [h for h in hits if h[1].get(field) is None]
        present.sort(key=lambda h, f=field: _sort_key(h[1][f]), reverse=descending)
        hits = present + missing
    return hits


def _fields(residual: list[Node]) -> set[str]:
    return set().union(*(fields_of(n) for n in residual))


def _on_rows(residual: list[Node], sort: list[tuple[str, bool]]) -> bool:
    """Whether the residual clauses and the sort read fields of the documents row only."""
    return _fields(residual) | {f for f, _d in sort} <= ROW_FIELDS | {"score"}


def _row_fields_only(fl: str | None) -> bool:
    """Whether `fl` names fields of the documents row only (no wildcard, no body field)."""
    names = (fl or "").replace(",", " ").split()
    return bool(names) and all(
        n.rpartition(":")[2] in ROW_FIELDS or n.rpartition(":")[2] == "score" for n in names
    )


def normalise(raw: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in raw:
        key = key[:-2] if key.endswith("[]") else key
        out.setdefault(key, []).append(value)
    return out


def echo(params: dict[str, list[str]]) -> dict[str, Any]:
    """Request parameters echoed in responseHeader only when asked (echoParams=explicit|all):
    an echoed query would make every answer contain what was searched for."""
    if params.get("echoParams", ["none"])[-1] not in ("explicit", "all"):
        return {}
    return {k: v[0] if len(v) == 1 else v for k, v in params.items()}


def facet_values(doc: dict[str, Any], field: str) -> list[str]:
    value = doc.get(field)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for v in values:
        text = ("true" if v else "false") if isinstance(v, bool) else str(v)
        for item in tokens(text) if is_text(field) else [text]:
            if item not in out:
                out.append(item)
    return out


def project(doc: dict[str, Any], fl: str | None) -> dict[str, Any]:
    stored = {k: v for k, v in doc.items() if k != "text"}
    if not fl or not fl.strip():
        return stored
    out: dict[str, Any] = {}
    for name in fl.replace(",", " ").split():
        alias, _, source = name.rpartition(":")
        if name == "score":
            out["score"] = 1.0
        elif "*" in source or "?" in source:
            out.update({k: v for k, v in stored.items() if fnmatch.fnmatchcase(k, source)})
        elif source in stored:
            out[alias or source] = stored[source]
    return out


def _sort_key(value: Any) -> Any:
    return value if not isinstance(value, bool) else int(value)


def _on(value: str | None) -> bool:
    return (value or "").lower() in ("true", "on", "1", "yes")


def _int(value: str, name: str, low: int, high: int | None) -> int:
    """Solr's int parameters: ASCII digits up to 2**31-1 (Solr's own limit); where `low` is
    negative (facet.limit), any negative number means "no limit" and reads as -1."""
    text = (value or "").strip()
    if low < 0 and text.startswith("-") and is_ascii_number(text[1:]):
        return -1
    return number_from_text(text, name, low=max(low, 0), high=MAX_INT if high is None else high)
