"""The OpenAPI document tells the truth: schemathesis over every operation, on SQLite and
PostgreSQL, finds no 5xx, no undocumented status, content type or header, no answer that breaks
its documented schema, no undocumented method answered otherwise than 405 + Allow, and no
schema-valid request refused for a parameter the schema could describe (tests/api/openapi_fuzz.py).

One test item per group of operations and backend (GROUPS), so that xdist's workers share the
fuzzing, on one seeded app per backend and worker (tests/api/fuzz_app.py); every operation is in
exactly one group, the DELETEs in the last one. Bounded here (BCH_FUZZ_EXAMPLES, default 6 per
operation and kind of request); `make fuzz` runs the same with many more examples and prints the
summaries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api import openapi_fuzz
from tests.api.fuzz_app import FuzzApp, fuzz_app  # noqa: F401 (the fixture)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# the groups of operations (matched on "METHOD /path", the first that matches; "rest" takes any
# other operation, "deletes" every DELETE) and the statuses each group's answers must include:
# the fuzzing got somewhere (things found, refused, forbidden, gone), not only 404s
GROUPS: dict[str, tuple[str | None, set[int]]] = {
    "records": (
        r"^(GET|POST) /api/v1/(records|lmos|changes|export|revisions|resolve|vocab|schemas|sources|validate)",
        {200, 400, 404, 410},
    ),
    "v2013": (r"^(GET|POST) /api/v2013/", {200, 400, 404, 410}),
    "accounts": (r"^(GET|POST|PUT) /api/v1/(auth|subscriptions|audit)", {200, 201, 400, 401, 403}),
    "workflow": (
        r"^(GET|POST|PUT) /api/v1/(drafts|requests|attachments|registers)",
        {200, 400, 401, 403, 404},
    ),
    "participation": (
        r"^(GET|POST|PUT) /api/v1/(consultations|forums|participation)",
        {200, 400, 401, 404},
    ),
    "rest": (None, {200, 400, 404}),  # oai, embeds, thesaurus, countries, customs, learning ...
    "deletes": (r"^DELETE ", {204, 401, 404}),
}


def group_of(label: str) -> str:
    if label.startswith("DELETE "):
        return "deletes"
    return next(
        (name for name, (regex, _) in GROUPS.items() if regex and re.match(regex, label)), "rest"
    )


def _schema(fuzzed: FuzzApp):
    if fuzzed.schema is None:
        fuzzed.schema = openapi_fuzz.load_schema(fuzzed.app)
    return fuzzed.schema


def _write(name: str, report: openapi_fuzz.Report) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"openapi-fuzz-{name}.txt").write_text(f"[{name}] {report.summary()}\n")


@pytest.mark.parametrize("group", list(GROUPS))
def test_every_operation_answers_as_documented(fuzz_app: FuzzApp, group):  # noqa: F811
    report = openapi_fuzz.run(
        fuzz_app.app,
        fuzz_app.seeded,
        schema=_schema(fuzz_app),
        select=lambda label: group_of(label) == group,
    )
    _write(f"{fuzz_app.backend}-{group}", report)
    statuses = {status for (_op, status) in report.statuses}
    assert GROUPS[group][1] <= statuses, sorted(statuses)  # it got somewhere
    assert not report.failures, report.summary()


def test_undocumented_methods_answer_405(fuzz_app: FuzzApp):  # noqa: F811
    report = openapi_fuzz.run_methods(fuzz_app.app, fuzz_app.seeded, schema=_schema(fuzz_app))
    _write(f"{fuzz_app.backend}-methods", report)
    assert {status for (_op, status) in report.statuses} == {405}
    assert report.requests > len(_schema(fuzz_app).raw_schema["paths"])
    assert not report.failures, report.summary()


def test_every_group_has_operations(fuzz_app: FuzzApp):  # noqa: F811
    """A group whose regex no longer matches anything would silently fuzz nothing."""
    groups = {group_of(op.label) for op in openapi_fuzz.operations(_schema(fuzz_app))}
    assert groups == set(GROUPS)
