"""`bch data check` reports the BCH and the CHM realms' organizations apart: each is checked
against its own realm's record type, and the import report counts each realm's."""

from __future__ import annotations

import copy
import json

from typer.testing import CliRunner

from bch.importer.check import check_plan
from bch.records.realms import get_registry


def _orgs(plan, realm: str) -> list[dict]:
    return [
        d
        for d in plan.documents
        if d["header"]["schema"] == "organization"
        and (d["header"].get("realm") or "BCH").upper() == realm
    ]


def test_organizations_of_each_realm_are_reported_apart(plan):
    bch, chm = _orgs(plan, "BCH"), _orgs(plan, "CHM")
    assert len(chm) == 15 and len(bch) > 20  # the 2014 cooperation note's 15 organizations
    assert plan.report["organization_BCH"] == len(bch)
    assert plan.report["organization_CHM"] == len(chm)
    assert plan.report["organization"] == len(bch) + len(chm)
    result = check_plan(plan.documents, plan.provenance)
    assert "organization" not in result.problems  # never the two realms mixed
    registry = get_registry()
    for realm, docs in (("BCH", bch), ("CHM", chm)):
        rt = registry.record_type("organization", realm)
        required = [n for n, f in rt.fields.items() if f.required]
        expected = sum(1 for d in docs for n in required if n not in d)
        found = result.problems.get(f"organization ({realm})", {}).get("required_missing", [])
        assert len(found) == expected


def test_a_chm_organization_is_checked_against_the_chm_type(plan):
    """Remove a field only the CHM type requires from one CHM organization: the CHM line grows,
    the BCH line does not."""
    registry = get_registry()
    bch_required = {
        n for n, f in registry.record_type("organization", "BCH").fields.items() if f.required
    }
    chm_required = {
        n for n, f in registry.record_type("organization", "CHM").fields.items() if f.required
    }
    before = check_plan(plan.documents, plan.provenance)
    target = next(d for d in _orgs(plan, "CHM") if chm_required & set(d))
    field = sorted(chm_required & set(target))[0]
    changed = copy.deepcopy(target)
    changed.pop(field)
    docs = [changed if d is target else d for d in plan.documents]
    after = check_plan(docs, plan.provenance)

    def n(result, realm):
        return len(result.problems.get(f"organization ({realm})", {}).get("required_missing", []))

    assert n(after, "CHM") == n(before, "CHM") + 1
    assert n(after, "BCH") == n(before, "BCH")
    assert bch_required  # both types have required fields


def test_the_command_prints_both_realms():
    from bch.cli import app

    out = CliRunner().invoke(app, ["data", "check", "--details", "0", "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["report"]["organization_CHM"] == 15
    assert {"organization (BCH)", "organization (CHM)"} <= set(body["problems"])
