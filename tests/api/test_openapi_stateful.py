"""Stateful fuzzing: schemathesis follows the OpenAPI links of the draft workflow (api/links.py:
save a draft -> read it -> replace it with its ETag -> validate -> publish or request -> read
the record or the request, or discard), on SQLite and PostgreSQL, with the tokens of the fuzz
seed (tests/api/fuzz_seed.py). Every answer of every step: no 5xx, status, content type,
headers and body as documented. Bounded here (BCH_FUZZ_STATEFUL, default 8 scenarios of up to
6 steps); `make fuzz` runs many more."""

from __future__ import annotations

import os
import zlib
from collections import Counter

from hypothesis import HealthCheck, settings

from tests.api.openapi_fuzz import CHECKS, load_schema
from tests.api.test_openapi_fuzz import (
    ARTIFACTS,
    fuzz_app,  # noqa: F401 (the fixture)
)

WORKFLOW = r"^/api/v1/(drafts|records/\{record_id\}$|requests/\{request_id\}$)"
# reference schemas a registered user may draft, and national ones (of Canada, the nau's)
SCHEMAS = ["organization", "contact", "authority", "biosafetyLaw"]


def scenarios() -> int:
    return int(os.environ.get("BCH_FUZZ_STATEFUL", "8"))


def plausible(case) -> None:
    """A generated record document is given the path's identifier and a schema the registry
    knows (what no JSON Schema can say: "the same as the path"), so that scenarios get past the
    first step; everything else stays as generated."""
    body = case.body
    if case.method.upper() != "PUT" or not isinstance(body, dict):
        return
    header = body.get("header")
    if isinstance(header, dict):
        identifier = case.path_parameters.get("identifier", "")
        header["identifier"] = identifier
        if header.get("schema") not in SCHEMAS:
            header["schema"] = SCHEMAS[zlib.crc32(identifier.encode()) % len(SCHEMAS)]
        if header["schema"] in ("authority", "biosafetyLaw"):
            body.setdefault("government", {"identifier": "CA"})


def test_the_draft_workflow_followed_through_its_links(fuzz_app, services):  # noqa: F811
    app, seeded = fuzz_app
    schema = load_schema(app).include(path_regex=WORKFLOW)
    tokens = list(seeded.tokens.values())
    seen: list[tuple[str, int]] = []

    class Workflow(schema.as_state_machine()):
        def before_call(self, case):
            plausible(case)

        def get_call_kwargs(self, case):
            token = tokens[zlib.crc32(case.path.encode()) % len(tokens)]
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response, case, **kwargs):
            seen.append((f"{case.method.upper()} {case.operation.path}", response.status_code))
            assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
            case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))

    Workflow.run(
        settings=settings(
            max_examples=scenarios(),
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    backend = services.engine.dialect.name
    counts = "\n".join(
        f"  {op}: {status} x{n}" for (op, status), n in sorted(Counter(seen).items())
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"openapi-stateful-{backend}.txt").write_text(
        f"[{backend}] {len(seen)} stateful steps\n{counts}\n"
    )
    ok = {op for op, status in seen if status < 300}
    assert any(op.startswith("PUT") for op in ok), seen  # drafts were saved ...
    assert len(ok) >= 2, seen  # ... and something followed from them
