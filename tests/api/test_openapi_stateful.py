"""Stateful fuzzing: schemathesis follows the OpenAPI links of the write flows (api/links.py), on
SQLite and PostgreSQL, with the tokens of the fuzz seed (tests/api/fuzz_seed.py):

* drafts: save a draft -> read it -> replace it with its ETag -> validate -> publish or request
  -> read the record, or read, approve or reject the request; or discard;
* forums: create a forum -> read it, start a thread -> read, reply, follow, unfollow, moderate
  its first post; a reply -> moderate it;
* consultations: open one -> read it, its form, comment, list the comments, close it; a comment
  -> moderate it;
* attachments: upload -> download, delete.

Every answer of every step: no 5xx, status, content type, headers and body as documented. Each
flow is its own state machine and test item (so that xdist's workers share them) on one seeded
app per backend and worker (tests/api/fuzz_app.py), bounded here (BCH_FUZZ_STATEFUL, default 8
scenarios of up to 6 steps per flow); `make fuzz` runs many more."""

from __future__ import annotations

import os
import re
import zlib
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, settings

from tests.api.fuzz_app import FuzzApp, fuzz_app  # noqa: F401 (the fixture)
from tests.api.openapi_fuzz import CHECKS, load_schema
from tests.api.test_openapi_fuzz import ARTIFACTS

FLOWS = {
    "drafts": r"^/api/v1/(drafts|records/\{record_id\}$|requests/\{request_id\})",
    "forums": r"^/api/v1/forums($|/\{forum_id\}(/threads)?$|/threads/\{thread_id\}(/posts|/subscription)?$|/posts/)",
    "consultations": r"^/api/v1/consultations($|/\{consultation_id\}(/form|/comments|/close)?$|/\{consultation_id\}/comments/\{comment_id\}/moderation$)",
    "attachments": r"^/api/v1/attachments",
}
# creations that name their own id in the path (the other operations with a path parameter act
# on something that exists: in these flows, something an earlier answer named)
CREATES = {"PUT /api/v1/drafts/{identifier}"}
# reference schemas a registered user may draft, and national ones (of Canada, the nau's)
SCHEMAS = ["organization", "contact", "authority", "biosafetyLaw"]


def scenarios() -> int:
    return int(os.environ.get("BCH_FUZZ_STATEFUL", "8"))


def plausible(case) -> None:
    """A generated body is made plausible where no JSON Schema can say it (a draft's identifier
    is the path's, a consultation closes in the future, a signed-in comment needs no form
    token), so that scenarios get past their first step; everything else stays as generated."""
    body = case.body
    if not isinstance(body, dict):
        return
    method, path = case.method.upper(), case.operation.path
    if method == "PUT" and path == "/api/v1/drafts/{identifier}":
        header = body.get("header")
        if isinstance(header, dict):
            identifier = case.path_parameters.get("identifier", "")
            header["identifier"] = identifier
            if header.get("schema") not in SCHEMAS:
                header["schema"] = SCHEMAS[zlib.crc32(identifier.encode()) % len(SCHEMAS)]
            if header["schema"] in ("authority", "biosafetyLaw"):
                body.setdefault("government", {"identifier": "CA"})
    elif method != "POST":
        return
    elif path in KNOWN:  # the members a generated value rarely gets past (dates, references)
        for key in set(body) - KNOWN[path]:
            del body[key]
    if path == "/api/v1/forums":
        body["owner"] = "SCBD"
        body["title"] = {"en": "Fuzzed forum"}
    elif path in ("/api/v1/forums/{forum_id}/threads", "/api/v1/forums/threads/{thread_id}/posts"):
        body.update(text="Fuzzed text.", language="en")
        if "title" in KNOWN[path]:
            body["title"] = "Fuzzed thread"
    elif path == "/api/v1/consultations":
        body.update(country="CA", title={"en": "Fuzzed consultation"}, closesAt=CLOSES)
    elif path == "/api/v1/consultations/{consultation_id}/comments":
        body.update(text="Fuzzed comment.", consent=True, language="en")


# the members kept of a generated body (the others are optional)
KNOWN = {
    "/api/v1/forums": {"id", "owner", "title", "description", "premoderation"},
    "/api/v1/forums/{forum_id}/threads": {"title", "text", "language"},
    "/api/v1/forums/threads/{thread_id}/posts": {"text", "language"},
    "/api/v1/consultations": {"country", "title", "summary", "closesAt", "intendedUse"},
    "/api/v1/consultations/{consultation_id}/comments": {"text", "language", "consent"},
}
CLOSES = (date.today() + timedelta(days=30)).isoformat()
# who may start each flow: the Secretariat creates forums, Canada's authorized user the rest
STARTER = {"forums": "secretariat", "consultations": "nau"}


def test_links_name_real_operations_and_parameters(fuzz_app: FuzzApp):  # noqa: F811
    """Every link of the document names an operation of it and only that operation's
    parameters; each write flow has links (a link lost would silently shrink the fuzzing)."""
    document = fuzz_app.app.openapi()
    sources = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for answer in operation.get("responses", {}).values():
                for name, link in answer.get("links", {}).items():
                    pointer = link["operationRef"].removeprefix("#/paths/")
                    target_path, _, target_method = pointer.rpartition("/")
                    target_path = target_path.replace("~1", "/").replace("~0", "~")
                    target = document["paths"].get(target_path, {}).get(target_method)
                    assert target, (path, method, name, pointer)
                    known = {p["name"] for p in target.get("parameters", [])}
                    for parameter in link["parameters"]:
                        assert parameter.rpartition(".")[2] in known, (name, parameter, known)
                    sources.add(path)
    for flow, regex in FLOWS.items():
        assert any(re.match(regex, p) for p in sources), flow


@pytest.mark.parametrize("flow", list(FLOWS))
def test_the_write_flows_followed_through_their_links(fuzz_app: FuzzApp, flow):  # noqa: F811
    if fuzz_app.schema is None:
        fuzz_app.schema = load_schema(fuzz_app.app)
    regex = FLOWS[flow]
    seen = _run(fuzz_app.schema.include(path_regex=regex), fuzz_app.seeded, STARTER.get(flow))
    counts = "\n".join(
        f"  {op}: {status} x{n}" for (op, status), n in sorted(Counter(seen).items())
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"openapi-stateful-{fuzz_app.backend}-{flow}.txt").write_text(
        f"[{fuzz_app.backend}] {flow}: {len(seen)} stateful steps\n{counts}\n"
    )
    ok = {op for op, status in seen if status < 300}
    assert any(op.startswith(("PUT", "POST")) for op in ok), (flow, seen)  # created ...
    followed = [op for op in ok if "{" in op and op not in CREATES]
    assert followed, (flow, seen)  # ... and followed


def _run(schema, seeded, starter: str | None) -> list[tuple[str, int]]:
    tokens = list(seeded.tokens.values())
    seen: list[tuple[str, int]] = []

    class Flow(schema.as_state_machine()):
        def before_call(self, case):
            plausible(case)

        def get_call_kwargs(self, case):
            token = tokens[zlib.crc32(case.path.encode()) % len(tokens)]
            if starter and case.method.upper() == "POST" and "{" not in case.operation.path:
                token = seeded.tokens[starter]
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response, case, **kwargs):
            seen.append((f"{case.method.upper()} {case.operation.path}", response.status_code))
            assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
            case.validate_response(response, checks=CHECKS, headers=kwargs.get("headers"))

    Flow.run(
        settings=settings(
            max_examples=scenarios(),
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    return seen
