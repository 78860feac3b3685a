"""docs/API.md and the application's OpenAPI document name the same endpoints (issue 10, item 6).

The convention: docs/API.md names an endpoint as a code span holding the method and the whole
path, `` `GET /api/v1/records/{id}` ``. Placeholders may be named differently from the code's
(`{id}` for `{record_id}`) or be filled in (`` `GET /api/v1/export/{schema}.{format}` ``); a query
string after the path is ignored. Every operation of /openapi.json must be named so at least once,
and every such span must name an operation the application has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bch.api.app import create_app
from bch.services.container import Services
from tests.source_tree import parse

API_MD = Path(__file__).resolve().parents[1] / "docs" / "API.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# a code span may wrap onto the next line (Markdown reads the line break as a space)
SPAN = re.compile(r"`(" + "|".join(METHODS) + r")\s+(/[^`\s?]*)(?:\?[^`]*)?`")


def documented(text: str) -> set[tuple[str, str]]:
    return {(m.group(1), m.group(2)) for m in SPAN.finditer(text)}


def _pattern(path: str) -> re.Pattern[str]:
    """An OpenAPI path as a pattern: a `{placeholder}` stands for any text within one segment."""
    parts = re.split(r"(\{[^}/]+\})", path)
    return re.compile(
        "".join(r"[^/]+" if p.startswith("{") else re.escape(p) for p in parts if p) + "$"
    )


def operations(openapi: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in openapi["paths"].items()
        for method in item
        if method.upper() in METHODS
    }


def compare(ops: set[tuple[str, str]], docs: set[tuple[str, str]]):
    """(operations that no span names, spans that name no operation)."""
    patterns = {op: _pattern(op[1]) for op in ops}

    def names(span: tuple[str, str], op: tuple[str, str]) -> bool:
        return span[0] == op[0] and bool(patterns[op].match(span[1]))

    missing = sorted(op for op in ops if not any(names(s, op) for s in docs))
    unknown = sorted(s for s in docs if not any(names(s, op) for op in ops))
    return missing, unknown


@pytest.fixture(scope="module")
def openapi(tmp_path_factory) -> dict:
    svc = Services.open(f"sqlite:///{tmp_path_factory.mktemp('docs') / 'bch.db'}")
    try:
        return create_app(svc).openapi()
    finally:
        svc.close()


def test_every_endpoint_is_in_api_md_and_api_md_names_only_real_ones(openapi):
    ops = operations(openapi)
    docs = documented(API_MD.read_text(encoding="utf-8"))
    assert len(ops) > 50 and docs  # both sides were really read
    missing, unknown = compare(ops, docs)
    assert not missing, (
        "endpoints missing from docs/API.md (name each as `METHOD /path` in a code span):\n"
        + "\n".join(f"  {m} {p}" for m, p in missing)
    )
    assert not unknown, "docs/API.md names endpoints the application does not have:\n" + (
        "\n".join(f"  {m} {p}" for m, p in unknown)
    )


def test_the_comparison_finds_both_kinds_of_difference():
    ops = {("GET", "/api/v1/records/{record_id}"), ("DELETE", "/api/v1/records/{record_id}")}
    text = (
        "- `GET /api/v1/records/{id}?format=jsonld`: a record\n"
        "- `POST\n  /api/v1/records/{id}`: not an endpoint\n"
        "Not a span: GET /api/v1/records/{id}, nor `/api/v1/records/{id}` without a method."
    )
    docs = documented(text)
    assert docs == {("GET", "/api/v1/records/{id}"), ("POST", "/api/v1/records/{id}")}
    missing, unknown = compare(ops, docs)
    assert missing == [("DELETE", "/api/v1/records/{record_id}")]
    assert unknown == [("POST", "/api/v1/records/{id}")]
    # a placeholder matches one path segment, never several
    assert compare({("GET", "/a/{x}")}, {("GET", "/a/b/c")}) == (
        [("GET", "/a/{x}")],
        [("GET", "/a/b/c")],
    )


SECURITY_MD = API_MD.with_name("SECURITY.md")
NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def test_every_test_named_in_security_md_exists():
    """docs/SECURITY.md backs each claim with `tests/<file>.py::<test>`: each must exist."""
    import ast

    root = API_MD.parents[1]
    named = NAMED_TEST.findall(SECURITY_MD.read_text(encoding="utf-8"))
    assert len(named) > 20
    missing = []
    for path, name in sorted(set(named)):
        file = root / path
        tree = parse(file) if file.is_file() else None
        defined = (
            {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)} if tree else set()
        )
        if name not in defined:
            missing.append(f"{path}::{name}")
    assert not missing, "docs/SECURITY.md names tests that do not exist:\n" + "\n".join(missing)


def test_every_entry_of_the_threat_model_names_its_proof():
    """Each row of docs/SECURITY.md's table of entries (a threat and its defence) names at least
    one test in its proof column, and each claim of "What is worth protecting" names one."""
    text = SECURITY_MD.read_text(encoding="utf-8")
    table = text.split("## Where input enters", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) > 10, rows[:2]
    unproven = [row[:80] for row in rows[1:] if not NAMED_TEST.search(row.rsplit("|", 2)[-2])]
    assert not unproven, "rows without a named test in their proof column:\n" + "\n".join(unproven)
    worth = text.split("## What is worth protecting", 1)[1].split("\n## ", 1)[0]
    claims = [c for c in worth.split("\n* ")[1:]]
    assert claims and all(NAMED_TEST.search(c) for c in claims), [
        c[:60] for c in claims if not NAMED_TEST.search(c)
    ]
