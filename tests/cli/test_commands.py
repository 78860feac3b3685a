"""Every command group of `bch` (bch.cli), run through Typer's runner on the test databases, and
`bch serve` as the installed console script refusing a bad setting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bch.cli import app
from tests.shipped_sample import importing_sample

runner = CliRunner()
BCH = str(Path(sys.executable).with_name("bch"))


def _url(svc) -> str:
    return svc.engine.url.render_as_string(hide_password=False)


def test_serve_refuses_a_bad_setting_with_its_message_and_exit_code_2(tmp_path):
    env = {"BCH_SQLITE_BUSY_TIMEOUT": "abc", "BCH_SMTP_PORT": "smtp"}
    result = runner.invoke(app, ["serve", "--database", f"sqlite:///{tmp_path / 'x.db'}"], env=env)
    assert result.exit_code == 2
    assert 'BCH_SQLITE_BUSY_TIMEOUT must be a number of seconds between 0 and 86400, got "abc"' in (
        result.output
    )
    assert 'BCH_SMTP_PORT must be a port number between 1 and 65535, got "smtp"' in result.output
    assert not (tmp_path / "x.db").exists()  # nothing was started or created
    # the installed console script (pyproject's entry point) does the same
    done = subprocess.run(
        [BCH, "serve", "--port", "0"],
        env={"PATH": "/usr/bin:/bin", "BCH_RATE_LIMIT": "fast", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done
    assert "BCH_RATE_LIMIT must be RATE,BURST" in done.stderr and 'got "fast"' in done.stderr


def test_uid_check_explains_and_fails_on_garbage():
    ok = runner.invoke(app, ["uid", "check", "MON-ØØ81Ø-6"])
    assert ok.exit_code == 0 and "MON-ØØ81Ø-6" in ok.output
    assert runner.invoke(app, ["uid", "check", "not a uid"]).exit_code == 1


def test_db_upgrade_and_reindex(tmp_path, services):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = runner.invoke(app, ["db", "upgrade", "--database", url])
    assert result.exit_code == 0 and "at migrations" in result.output, result.output
    services.records.publish(_organism(), by="test")
    again = runner.invoke(app, ["db", "reindex", "--database", _url(services)])
    assert again.exit_code == 0 and "1 records indexed" in again.output, again.output


def _organism():
    from tests import factories

    return factories.organism("Zea mays")


def test_users_roles_and_refusals(services):
    url = ["--database", _url(services)]
    add = runner.invoke(
        app, ["user", "add", "nfp@example.go.ke", "--role", "nfp", "--country", "KE", *url]
    )
    assert add.exit_code == 0 and "nfp@example.go.ke: nfp KE" in add.output, add.output
    grant = runner.invoke(
        app, ["user", "grant", "nfp@example.go.ke", "--role", "nau", "--country", "KE", *url]
    )
    assert grant.exit_code == 0 and "granted nau KE" in grant.output, grant.output
    listed = runner.invoke(app, ["user", "list", *url])
    assert "nfp@example.go.ke" in listed.output and "nau KE" in listed.output, listed.output
    revoke = runner.invoke(
        app, ["user", "revoke", "nfp@example.go.ke", "--role", "nau", "--country", "KE", *url]
    )
    assert revoke.exit_code == 0 and "revoked 1 grant(s)" in revoke.output, revoke.output
    refused = runner.invoke(app, ["user", "add", "x@example.org", "--role", "king", *url])
    assert refused.exit_code == 1 and "error" in refused.output, refused.output


def test_workflow_tick(services):
    result = runner.invoke(app, ["workflow", "tick", "--database", _url(services)])
    assert result.exit_code == 0, result.output
    assert "reminders sent: 0; requests expired: 0" in result.output


def test_sources_list_and_an_unknown_source(services):
    listed = runner.invoke(
        app, ["sources", "list", "--database", _url(services)], env={"COLUMNS": "200"}
    )
    assert listed.exit_code == 0, listed.output
    for name in ("isaaa", "biotrack", "euginius", "cfia"):
        assert name in listed.output
    bad = runner.invoke(app, ["sources", "refresh", "nowhere", "--database", _url(services)])
    assert bad.exit_code == 2 and "unknown source 'nowhere'" in bad.output


def test_resolve_answers_and_fails_on_nothing():
    ok = runner.invoke(app, ["resolve", "--json", "MON810"])
    assert ok.exit_code == 0 and "MON-ØØ81Ø-6" in ok.output, ok.output
    assert runner.invoke(app, ["resolve", "zzzz-no-such-thing-qqqq"]).exit_code == 1


def test_import_is_idempotent_on_loaded_data(services):
    """On the shipped data's sample (tests/shipped_sample.py; all of it under BCH_TEST_FULL=1)."""
    with importing_sample():
        first = runner.invoke(app, ["import", "--database", _url(services)])
        assert first.exit_code == 0 and "Nothing changed" not in first.output, first.output
        result = runner.invoke(app, ["import", "--database", _url(services)])
    assert result.exit_code == 0, result.output
    assert "Nothing changed: the database already holds the shipped data." in result.output
