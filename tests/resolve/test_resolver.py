"""Name resolution over the alias index built from the real sources."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bch.cli import app
from bch.resolve.index import default_resolver


@pytest.fixture(scope="module")
def resolver():
    return default_resolver()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("MON810", "MON-00810-6"),
        ("MON 810", "MON-00810-6"),
        ("mon-00810-6", "MON-00810-6"),
        ("MON%C3%98%C3%9881%C3%98-6", "MON-00810-6"),  # percent-encoded Ø (BioTrack URLs)
        ("MON-ōō81ō-6", "MON-00810-6"),  # GMO Compass mangling
        ("MONØØ81Ø6", "MON-00810-6"),  # dashes missing
        ("TC1507", "DAS-01507-1"),
        ("Cornline 1507", "DAS-01507-1"),
        ("Herculex™ I", "DAS-01507-1"),
        ("GTS 40-3-2", "MON-04032-6"),
        ("MON-89924-2 - Bollgard cotton", "MON-89924-2"),  # a title "UID - name"
        ("MON863 x MON810", "MON-00810-6+MON-00863-5"),
        ("MON-ØØ81Ø-6 × MON-ØØ863-5", "MON-00810-6+MON-00863-5"),  # stack, other order
        ("MON-63-6 X MON-81-6", "MON-00603-6+MON-00810-6"),  # GMO Compass drops Ø
        ("Corn — MON810 (Monsanto Canada Inc.)", "MON-00810-6"),  # CFIA register title
    ],
)
def test_resolves_real_name_variants(resolver, name, key):
    res = resolver.resolve(name)
    assert res.best is not None and res.best.key == key, res.to_json()


def test_a_brand_used_for_several_events_is_ambiguous_not_guessed(resolver):
    res = resolver.resolve("YieldGard")
    assert res.ambiguous and res.best is None
    keys = {c.key for c in res.candidates}
    assert {"MON-00810-6", "MON-00863-5", "MON-89034-3"} <= keys
    assert all("brand is used" in " ".join(c.reasons) for c in res.candidates)


def test_stack_resolves_to_the_stack_and_lists_its_components(resolver):
    best = resolver.resolve("MON-ØØ863-5 x MON-ØØ81Ø-6").best
    assert sorted(c["name"] for c in best.components) == ["MON810", "MON863"]
    unknown = resolver.resolve("MON-ØØ81Ø-6 x DAS-Ø15Ø7-1 x MON-ØØ863-5")
    assert unknown.best is None and "no LMO has it" in unknown.notes[0]
    assert {c.key for c in unknown.candidates if c.relation == "component"} == {
        "MON-00810-6",
        "DAS-01507-1",
        "MON-00863-5",
    }


def test_provenance_and_unknown_names(resolver):
    best = resolver.resolve("MON810").best
    assert any(p.startswith("ISAAA 2023 EventID=85") for p in best.provenance)
    assert resolver.resolve("completely unknown plant").candidates == []
    assert resolver.resolve("").notes == ["empty name"]


def test_resolve_api_and_cli(services):
    from bch.api.app import create_app

    body = TestClient(create_app(services)).get("/api/v1/resolve", params={"name": "TC1507"}).json()
    assert body["resolved"]["uniqueIdentification"] == "DAS-Ø15Ø7-1"
    assert body["resolved"]["reasons"] == ["event 'TC1507'"]
    out = CliRunner().invoke(app, ["resolve", "YieldGard"])
    assert out.exit_code == 1 and "not guessing" in out.output
    ok = CliRunner().invoke(app, ["resolve", "--json", "MON810"])
    assert ok.exit_code == 0 and "MON-ØØ81Ø-6" in ok.output
