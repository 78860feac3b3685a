"""A bounded, deterministic sample of the shipped real data for the tests that prove two paths
equal record by record (bulk load and one-by-one publishes, re-imports, the fast read path, a
node's bootstrap from derived rows). `make test` runs them on the sample; `BCH_TEST_FULL=1`
(`make test-full`) on all the shipped records.

The sample is chosen from the import plan (bch.importer.plan), never invented: for each record
type, records spread evenly over the plan's order; for each field a record type's shipped
records fill, one record that fills it, one that holds an "Other" term (`customValue`) in it and
one that holds markup in it, and one record per number of languages; MON810 and the records a test
names as special; then
every record those reference, transitively (an LMO's organism and genetic elements, a
decision's LMOs and authority), so that what records borrow from each other is in it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from unittest import mock

from bch.importer.plan import ImportPlan, build_plan

FULL = os.environ.get("BCH_TEST_FULL", "") == "1"
PER_SCHEMA = 6  # records spread evenly over each record type


def _references(value, known: set[str], out: set[str]) -> set[str]:
    if isinstance(value, dict):
        ident = value.get("identifier")
        if isinstance(ident, str) and ident.split("@")[0] in known:
            out.add(ident.split("@")[0])
        for v in value.values():
            _references(v, known, out)
    elif isinstance(value, list):
        for v in value:
            _references(v, known, out)
    return out


def _features(doc: dict) -> set[str]:
    """What a record exercises: each field it fills, each field holding an "Other" term
    (`customValue`) or markup, its number of languages."""
    out = {f"languages:{len(doc['header'].get('languages', []))}"}
    for name, value in doc.items():
        if name == "header":
            continue
        out.add(name)
        text = repr(value)
        out |= {f"{name}:other"} if "customValue" in text else set()
        out |= {f"{name}:markup"} if "<" in text else set()
    return out


def _named(doc: dict) -> bool:
    """MON810, the LMO the tests ask for by name and UID (MON-00810-6)."""
    return (
        doc["header"]["schema"] == "modifiedOrganism" and doc.get("transformationEvent") == "MON810"
    )


def choose(documents: list[dict], also: Callable[[dict], bool] = lambda d: False) -> list[dict]:
    """The sample of `documents` (all of them under BCH_TEST_FULL=1), in their order."""
    if FULL:
        return list(documents)
    by_id = {d["header"]["identifier"]: d for d in documents}
    by_schema: dict[str, list[dict]] = {}
    for d in documents:
        by_schema.setdefault(d["header"]["schema"], []).append(d)
    chosen: set[str] = set()
    for docs in by_schema.values():
        step = max(1, len(docs) // PER_SCHEMA)
        chosen |= {d["header"]["identifier"] for d in docs[::step]}
        covered: set[str] = set()
        for d in docs:  # one record per feature the record type's records show
            features = _features(d) - covered
            if features:
                chosen.add(d["header"]["identifier"])
                covered |= features
    chosen |= {i for i, d in by_id.items() if _named(d) or also(d)}
    todo = list(chosen)
    known = set(by_id)
    while todo:  # what the chosen records reference, transitively
        doc = by_id[todo.pop()]
        for ref in _references({k: v for k, v in doc.items() if k != "header"}, known, set()):
            if ref not in chosen:
                chosen.add(ref)
                todo.append(ref)
    return [d for d in documents if d["header"]["identifier"] in chosen]


@cache
def shipped_plan() -> ImportPlan:
    """The import plan of all the shipped data, built once per process (~1 s of CPU) for every
    test that reads it (the importer's tests, the fuzzers' seed, the sample here): read it,
    never change it."""
    return build_plan()


def sample_plan(also: Callable[[dict], bool] = lambda d: False) -> ImportPlan:
    """The import plan with the sampled documents only (their provenance with them); the
    detection methods, reported approvals and merged records of the whole plan (rows, not
    records: cheap, and what LMOs borrow)."""
    plan = shipped_plan()
    documents = choose(plan.documents, also)
    ids = {d["header"]["identifier"] for d in documents}
    provenance = {k: v for k, v in plan.provenance.items() if k in ids}
    return replace(plan, documents=documents, provenance=provenance)


@contextmanager
def importing_sample(also: Callable[[dict], bool] = lambda d: False) -> Iterator[ImportPlan]:
    """Inside, bch.importer.run.import_shipped (and `bch import`) loads the sample."""
    plan = sample_plan(also)
    with mock.patch("bch.importer.run.build_plan", lambda data_dir=None: plan):
        yield plan


def sample_ids(ids: Iterable[str]) -> list[str]:
    """Of `ids` (shipped record identifiers), those of the sample, in their order."""
    ids = list(ids)
    if FULL:
        return ids
    chosen = {d["header"]["identifier"] for d in sample_plan().documents}
    return [i for i in ids if i in chosen]


@contextmanager
def sample_database(request, tmp_path_factory, tag: str) -> Iterator:
    """Services over a new database (tests/module_db.py, on the backend of `request.param`)
    loaded with the sample, for a fixture of module scope."""
    from bch.importer.run import import_shipped
    from tests.module_db import module_database

    with module_database(request, tmp_path_factory, tag) as svc:
        with importing_sample():
            import_shipped(svc)
        yield svc
