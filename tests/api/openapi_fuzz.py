"""Schemathesis over every operation of the application's OpenAPI document, in process (ASGI,
no network): generated requests, schema-valid (positive) and schema-invalid (negative), some
with known path values of the seeded database, with and without credentials; every answer is
checked against the document. `run()` returns a report; tests/api/test_openapi_fuzz.py asserts
it is empty, `make fuzz` runs it with many more examples and prints the summary.

Beyond schemathesis's response checks, two rules of the API are checked here:
* an HTTP method a path does not document answers 405 with an `Allow` header naming exactly the
  documented methods (plus HEAD with GET);
* a schema-valid request is refused (400) only for a parameter whose validity the schema cannot
  express (OPAQUE: cursors, tokens, query syntax), never for one it could describe."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.fuzz_seed import Seeded

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH")
# parameters whose validity depends on what the server issued or holds (a cursor, a mailed
# code), on a query language or on a checksum (OECD UIDs): a schema-valid value may still be
# refused with a 400 naming it
OPAQUE = {"cursor", "since", "token", "q", "fq", "sort", "fl", "facet.field", "url", "lmoUid"}


def examples_per_operation() -> int:
    return int(os.environ.get("BCH_FUZZ_EXAMPLES", "6"))


@dataclass
class Report:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)  # (operation, status) -> count
    failures: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, kind) -> text

    def fail(self, operation: str, kind: str, text: str) -> None:
        self.failures.setdefault((operation, kind), text[:1500])

    def summary(self) -> str:
        by_op: dict[str, Counter] = defaultdict(Counter)
        for (op, status), n in self.statuses.items():
            by_op[op][status] += n
        lines = [f"{self.requests} requests over {len(by_op)} operations"]
        for op in sorted(by_op):
            counts = ", ".join(f"{s}x{n}" for s, n in sorted(by_op[op].items()))
            lines.append(f"  {op}: {counts}")
        lines.append(f"{len(self.failures)} findings")
        for (op, kind), text in sorted(self.failures.items()):
            lines.append(f"--- {op} [{kind}]\n{text}")
        return "\n".join(lines)


def load_schema(app) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _failures(exc: BaseException) -> Iterable[Failure]:
    if isinstance(exc, FailureGroup):
        return exc.exceptions
    return [exc]  # type: ignore[list-item]


def _parameter(path: str, declared: dict[str, str]) -> str | None:
    """The declared parameter an error path names ("limit", or FastAPI's "query.limit"), or
    None for a path into the body ("header.identifier" of a record document)."""
    if path in declared:
        return path
    where, _, name = path.partition(".")
    return name if declared.get(name) == where else None


def _checks_for(label: str, response) -> list:
    """501 is what the oEmbed specification asks for a format other than json: documented, and
    the one 5xx the API means to send."""
    if label == "GET /oembed" and response.status_code == 501:
        return [check for check in CHECKS if check is not not_a_server_error]
    return CHECKS


def _refused_valid(case, response, report: Report) -> None:
    """A positive case answered 400: the parameters named in the error must be opaque."""
    if (
        response.status_code != 400
        or case.meta is None
        or not case.meta.generation.mode.is_positive
    ):
        return
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return
    declared = {p.name: p.location.value for p in case.operation.iter_parameters()}
    named = {_parameter(str(e.get("path", "")), declared) for e in errors if isinstance(e, dict)}
    if not errors:
        report.fail(
            case.operation.label,
            "schema-valid request refused without naming the problem",
            f"{case.as_curl_command()}\n-> 400 {response.text[:600]}",
        )
    elif named - OPAQUE - {None}:
        report.fail(
            case.operation.label,
            "schema-valid request refused for a parameter the schema could describe",
            f"{case.as_curl_command()}\n-> 400 {response.text[:600]}",
        )


def _run_operation(op, client, seeded: Seeded, report: Report, examples: int) -> None:
    known = {
        p.name: seeded.known[p.name]
        for p in op.iter_parameters()
        if p.location.value == "path" and seeded.known.get(p.name)
    }
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [op.as_strategy(generation_mode=m) for m in modes]
    if known:
        fixed = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in known.items()})
        # the strategy for some fixed path values is built once, not at every draw: a flatmap
        # builds its inner strategy each time, and building one was most of an example's cost
        # (schemathesis resolving the operation's schemas, hypothesis computing the new
        # strategy's properties); drawing the same strategy again gives the same examples
        built: dict[tuple, Any] = {}

        def with_known(values: dict, mode) -> Any:
            key = (mode, tuple(sorted(values.items())))
            if key not in built:
                built[key] = op.as_strategy(generation_mode=mode, path_parameters=values)
            return built[key]

        strategies += [fixed.flatmap(lambda values, m=m: with_known(values, m)) for m in modes]
    roles = [None, *sorted(seeded.tokens)]
    label = op.label

    @settings(
        max_examples=examples * len(strategies),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies), role=st.sampled_from(roles))
    def probe(case, role):
        headers = {"Authorization": f"Bearer {seeded.tokens[role]}"} if role else {}
        report.requests += 1
        try:
            response = case.call(session=client, headers=headers)
        except Exception as exc:  # the application raised: a 500 with a stack trace
            report.fail(label, "exception", f"{case.as_curl_command()}\n{exc!r}")
            return
        report.statuses[(label, response.status_code)] += 1
        if response.status_code == 204 and "/tokens/" in case.path and seeded.renew:
            seeded.tokens = seeded.renew()  # it revoked one of the fuzzer's own tokens
        try:
            case.validate_response(response, checks=_checks_for(label, response), headers=headers)
        except (Failure, FailureGroup) as exc:
            for failure in _failures(exc):
                report.fail(
                    label,
                    type(failure).__name__,
                    f"{failure.title}\n{failure.message}\n{case.as_curl_command(headers=headers)}",
                )
        _refused_valid(case, response, report)

    probe()


def _allowed(methods: set[str]) -> set[str]:
    return methods | ({"HEAD"} if "GET" in methods else set())


def _probe_methods(schema, client, seeded: Seeded, report: Report) -> None:
    """Undocumented methods answer 405 and an Allow header with the documented ones."""
    token = next(iter(seeded.tokens.values()))
    for path, item in schema.raw_schema["paths"].items():
        documented = {m.upper() for m in item if m.upper() in (*METHODS, "HEAD", "OPTIONS")}
        url = path
        for name in [s.split("}")[0] for s in path.split("{")[1:]]:
            url = url.replace("{" + name + "}", str((seeded.known.get(name) or ["x"])[0]))
        for method in sorted(set(METHODS) - documented):
            r = client.request(
                method, f"http://{asgi.HOST}{url}", headers={"Authorization": f"Bearer {token}"}
            )
            report.requests += 1
            report.statuses[(f"{method} {path}", r.status_code)] += 1
            allow = {m.strip().upper() for m in r.headers.get("allow", "").split(",") if m.strip()}
            if r.status_code != 405 or allow != _allowed(documented):
                report.fail(
                    f"{method} {path}",
                    "undocumented method",
                    f"{method} {url} -> {r.status_code} Allow: {r.headers.get('allow')!r}, "
                    f"documented: {sorted(_allowed(documented))}\n{r.text[:300]}",
                )


def operations(schema) -> list:
    """Every operation of the document, DELETEs last (so the records they remove were read
    first), then by path and method."""
    found = [result.ok() for result in schema.get_all_operations()]
    found.sort(key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))
    return found


def _client(app):
    """schemathesis's in-process client (a requests session), without reading the environment
    for proxies and .netrc at every request (requests' trust_env): ~1 s of each fuzz run's ~36 s
    of CPU went to scanning os.environ for *_proxy variables, for requests that never leave the
    process."""
    client = asgi.get_client(app)
    client.trust_env = False
    return client


def run(app, seeded: Seeded, examples: int | None = None, schema=None, select=None) -> Report:
    """Fuzz the operations `select(label)` picks (every one by default), and, with no
    selection, the undocumented methods of every path; `schema`: the app's, if already
    loaded (tests/api/test_openapi_fuzz.py loads it once per app)."""
    schema = schema or load_schema(app)
    examples = examples or examples_per_operation()
    report = Report()
    with _client(app) as client:
        for op in operations(schema):
            if select is None or select(op.label):
                _run_operation(op, client, seeded, report, examples)
        if select is None:
            _probe_methods(schema, client, seeded, report)
    return report


def run_methods(app, seeded: Seeded, schema=None) -> Report:
    """Only the undocumented methods of every path (405 + Allow)."""
    schema = schema or load_schema(app)
    report = Report()
    with _client(app) as client:
        _probe_methods(schema, client, seeded, report)
    return report
