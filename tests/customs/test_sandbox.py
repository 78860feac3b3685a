"""The training sandbox: a separate database, loaded with the shipped data and the real site's
accounts; a focal point practises publishing there (the real database stays untouched), every
page carries the sandbox banner, and a reset wipes the practice. The sandbox is loaded with the
shipped data's sample (tests/shipped_sample.py; all of it under BCH_TEST_FULL=1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bch.api.app import create_app
from bch.cli import app as cli_app
from bch.services.sandbox import open_sandbox, reset, sandbox_url
from bch.settings import Settings
from tests import factories
from tests.shipped_sample import importing_sample
from tests.web.conftest import PASSWORD


def test_sandbox_url_beside_a_sqlite_database():
    unset = Settings.from_environ({})
    assert sandbox_url("sqlite:////srv/bch/bch.db", unset) == "sqlite:////srv/bch/bch-sandbox.db"
    assert sandbox_url("postgresql://bch@db/bch", unset) is None
    given = Settings.from_environ({"BCH_SANDBOX_DATABASE_URL": "postgresql://bch@db/bch_sandbox"})
    assert sandbox_url("postgresql://bch@db/bch", given) == "postgresql://bch@db/bch_sandbox"


def test_practice_in_the_sandbox_never_reaches_the_real_records(services, tmp_path: Path):
    real = services
    real.accounts.add_user("nfp@example.org", role="nfp", country="CA", password=PASSWORD)
    url = f"sqlite:///{tmp_path / 'bch-sandbox.db'}"
    with importing_sample() as plan:
        counts = reset(real, url, real.settings)
    assert counts["users"] == 1 and counts["records"] == len(plan.documents)  # the shipped data
    with pytest.raises(ValueError):
        reset(real, real.engine.url.render_as_string(hide_password=False), real.settings)
    box = open_sandbox(url, real.settings)
    app = create_app(box)
    app.state.sandbox = True
    with TestClient(app) as c:
        token = c.post(
            "/api/v1/auth/token", json={"email": "nfp@example.org", "password": PASSWORD}
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        doc = factories.authority("CA")
        ident = doc["header"]["identifier"]
        assert c.put(f"/api/v1/drafts/{ident}", json=doc, headers=auth).status_code == 201
        published = c.post(f"/api/v1/drafts/{ident}/publish", json={}, headers=auth)
        assert published.status_code == 201, published.text
        assert c.get(f"/api/v1/records/{ident}").status_code == 200
        for path in ("/en/", "/fr/customs", "/es/learning", f"/en/records/{ident}"):
            assert 'id="sandbox-banner"' in c.get(path).text, path
    with TestClient(create_app(real)) as site:
        assert site.get(f"/api/v1/records/{ident}").status_code == 404
        assert 'id="sandbox-banner"' not in site.get("/en/").text
    box.close()
    with importing_sample():
        reset(real, url, real.settings)  # the Secretariat resets it: the practice is gone
    again = open_sandbox(url, real.settings)
    with TestClient(create_app(again)) as c:
        assert c.get(f"/api/v1/records/{ident}").status_code == 404
    again.close()


def test_cli_refuses_without_a_sandbox_database(monkeypatch):
    monkeypatch.delenv("BCH_SANDBOX_DATABASE_URL", raising=False)
    out = CliRunner().invoke(
        cli_app, ["customs", "sandbox", "reset", "--database", "postgresql://nobody@127.0.0.1/x"]
    )
    assert out.exit_code == 1 and "sandbox database" in out.output
