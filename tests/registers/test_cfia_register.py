"""Importing a national register (issue 12 item 5) with the real example: the CFIA register of
plants with novel traits approved for unconfined release (data/raw/cfia_pnt_and_bch_decisions_
gmo_map/cfia_records.json) and its shipped mapping (ca_cfia), on both backends.

The Canadian release decisions are already in the shipped data: the import matches them by their
keys (no duplicate, no new revision), a re-import changes nothing, a changed row makes exactly
one new revision, a removed row is reported and its record kept; the API goes through the
workflow (an authorized user's rows become publishing requests)."""

from __future__ import annotations

import copy
import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from bch.cli import app as cli
from bch.records.oecd_uid import parse_uid
from bch.services.policy import ANONYMOUS, read_scope
from tests.accounts.helpers import PASSWORD, add_user, bearer, client_for

ROOT = Path(__file__).resolve().parents[2]
CFIA = ROOT / "data" / "raw" / "cfia_pnt_and_bch_decisions_gmo_map" / "cfia_records.json"
runner = CliRunner()


def _rows() -> dict:
    return json.loads(CFIA.read_text(encoding="utf-8"))


NFP = "nfp@canada.example.org"


def _cli(svc, command: str, path: Path, as_email: str | None = NFP) -> tuple[int, str]:
    url = svc.engine.url.render_as_string(hide_password=False)
    args = ["register", command, "--mapping", "ca_cfia", str(path), "--database", url, "--json"]
    if as_email is not None:
        args += ["--as", as_email]
    result = runner.invoke(cli, args)
    return result.exit_code, result.output


def _by_status(report: dict, status: str) -> list[dict]:
    return [r for r in report["rows"] if r["status"] == status]


def test_cfia_register_matches_shipped_decisions_and_reimports_idempotently(loaded_copy, tmp_path):
    svc = loaded_copy
    add_user(svc, NFP, "nfp", "CA", password=PASSWORD)  # the import acts as CA's focal point
    before = svc.records.counts_by_schema()["biosafetyDecision"]
    code, out = _cli(svc, "import", CFIA)
    assert code == 2, out  # two rows are invalid (reported, left out); the others imported
    report = json.loads(out)
    assert report["imported"] is True
    counts = report["counts"]
    # 101 LMO rows (27 Non-LMO rows skipped by the mapping), 99 of them exactly the shipped
    # decisions: matched by key, no duplicate, no new revision
    assert counts["skipped"] == 27 and counts["unchanged"] == 99 and counts["invalid"] == 2
    assert "published" not in counts and counts["removed"] == 0
    assert svc.records.counts_by_schema()["biosafetyDecision"] == before
    bad = {r["row"]: r["errors"][0] for r in _by_status(report, "invalid")}
    # the register's malformed UID of GT73 (SOURCES.md), and an LMO the clearing-house lacks
    assert bad[19]["column"] == "oecd" and bad[19]["path"] == "modifiedOrganisms[0]"
    assert "MON-0073-7" in bad[19]["message"] and "MON-95379-1" in bad[56]["message"]

    # facts against the file: date, decision document number, the LMOs of its OECD UIDs
    rows = _rows()["projects"]
    scope = read_scope(ANONYMOUS)
    for r in _by_status(report, "unchanged"):
        row = rows[r["row"] - 1]
        view = svc.records.get(r["identifier"])
        assert view.document["date"] == row["date"]
        dd = row["status"].split()[-1] if "DD" in row["status"] else ""
        assert view.document["title"]["en"].startswith(f"{dd}: " if dd else "Unconfined")
        with svc.store.reading() as conn:
            lmos = {
                doc.identifier
                for uid in row["oecd"]
                for how, doc in svc.store.lmo_documents_by_key(
                    conn, parse_uid(uid).key, scope=scope
                )
                if how == "exact"
            }
        linked = {m["identifier"] for m in view.document["modifiedOrganisms"]}
        # a row without UIDs keeps the LMOs the shipped record links by event name
        assert linked == lmos if row["oecd"] else linked

    # a re-import changes nothing
    code, out = _cli(svc, "import", CFIA)
    assert json.loads(out)["counts"]["unchanged"] == 99

    # one row changed (J101/J163: the register now lists only J101): one new revision
    data = _rows()
    target = next(i for i, r in enumerate(data["projects"]) if "J101" in r["name"])
    row = data["projects"][target]
    assert row["oecd"] == ["MON-00101-8", "MON-00163-7"]
    changed = copy.deepcopy(data)
    changed["projects"][target]["oecd"] = ["MON-00101-8"]
    path = tmp_path / "cfia_records.json"
    path.write_text(json.dumps(changed), encoding="utf-8")
    ident = next(r["identifier"] for r in report["rows"] if r["row"] == target + 1)
    revision = svc.records.get(ident).doc.latest_revision
    code, out = _cli(svc, "import", path)
    again = json.loads(out)
    assert again["counts"]["changed"] == 1 and again["counts"]["published"] == 1
    assert again["counts"]["unchanged"] == 98
    view = svc.records.get(ident)
    assert view.doc.latest_revision == revision + 1
    assert len(view.document["modifiedOrganisms"]) == 1
    assert svc.records.counts_by_schema()["biosafetyDecision"] == before

    # a row removed from the register: reported, its record kept
    del changed["projects"][target]
    path.write_text(json.dumps(changed), encoding="utf-8")
    code, out = _cli(svc, "preview", path)
    preview = json.loads(out)
    assert [g["identifier"] for g in preview["removed"]] == [ident]
    assert svc.records.get(ident).doc.deleted_at is None


def _changed_register(tmp_path: Path) -> tuple[Path, int]:
    """The CFIA file with one row changed (J101/J163: only J101 listed), and its row index."""
    data = _rows()
    target = next(i for i, r in enumerate(data["projects"]) if "J101" in r["name"])
    data["projects"][target]["oecd"] = ["MON-00101-8"]
    path = tmp_path / "cfia_records.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path, target


def test_cli_import_acts_as_a_named_user_through_the_workflow(loaded_copy, tmp_path):
    """`bch register import --as EMAIL`: an authorized user's changed row becomes a draft and a
    publishing request (no new revision), a re-import makes no second request, the focal
    point's import publishes it (one revision), and a re-import then changes nothing. An
    unknown account, or one of another country, imports nothing (exit 1, the reason)."""
    svc = loaded_copy
    nau = add_user(svc, "nau@canada.example.org", "nau", "CA", password=PASSWORD)
    nfp = add_user(svc, NFP, "nfp", "CA", password=PASSWORD)
    add_user(svc, "nfp@kenya.example.org", "nfp", "KE", password=PASSWORD)
    path, target = _changed_register(tmp_path)

    code, out = _cli(svc, "import", path, as_email=None)
    assert code == 2 and "--as" in out  # the account is required
    code, out = _cli(svc, "import", path, as_email="nobody@example.org")
    assert code == 1 and "no confirmed account" in out and "nobody@example.org" in out
    code, out = _cli(svc, "import", path, as_email="nfp@kenya.example.org")
    assert code == 1 and svc.workflow.list_requests(nfp) == []  # not Kenya's register

    code, out = _cli(svc, "preview", path, as_email="nau@canada.example.org")
    row = next(r for r in json.loads(out)["rows"] if r["row"] == target + 1)
    assert row["status"] == "changed" and not json.loads(out)["imported"]
    ident = row["identifier"]
    revision = svc.records.get(ident).doc.latest_revision

    code, out = _cli(svc, "import", path, as_email="nau@canada.example.org")
    report = json.loads(out)
    assert code == 2 and report["imported"] is True  # the two invalid rows, as before
    assert report["counts"]["changed"] == 1 and report["counts"]["requested"] == 1
    assert "published" not in report["counts"]
    row = next(r for r in report["rows"] if r["row"] == target + 1)
    assert row["result"] == "requested" and row["request"]
    assert svc.records.get(ident).doc.latest_revision == revision  # not published yet
    requests = svc.workflow.list_requests(nau)
    assert [r["id"] for r in requests] == [row["request"]]

    code, out = _cli(svc, "import", path, as_email="nau@canada.example.org")  # again
    again = json.loads(out)
    assert again["counts"]["pending"] == 1 and "requested" not in again["counts"]
    assert [r["id"] for r in svc.workflow.list_requests(nau)] == [row["request"]]

    code, out = _cli(svc, "import", path, as_email=NFP)  # the focal point publishes it
    done = json.loads(out)
    assert done["counts"]["published"] == 1
    view = svc.records.get(ident)
    assert view.doc.latest_revision == revision + 1
    assert len(view.document["modifiedOrganisms"]) == 1  # the register's change, published
    code, out = _cli(svc, "import", path, as_email=NFP)
    final = json.loads(out)
    assert final["counts"]["unchanged"] == 99 and "published" not in final["counts"]
    assert svc.records.get(ident).doc.latest_revision == revision + 1


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=["name", "date", "status", "uids", "transgenic"])
    w.writeheader()
    for r in rows:
        w.writerow({"name": r["name"], "date": r["date"], "status": r["status"],
                    "uids": "; ".join(r["oecd"]), "transgenic": r["transgenic"]})  # fmt: skip
    return out.getvalue().encode()


MAPPING_CSV = (ROOT / "src/bch/registers/mappings/ca_cfia.toml").read_text(encoding="utf-8")


def _csv_mapping() -> str:
    """The CFIA mapping read from a CSV export of the register (UIDs in one cell, ';')."""
    text = MAPPING_CSV.replace('format = "json"', 'format = "csv"')
    text = text.replace('records = "projects"', "")
    text = text.replace('column = "oecd"', 'column = "uids"\nsplit = ";"')
    return text.replace("transgenic = [false]", 'transgenic = ["False"]')


def test_api_preview_and_import_through_the_workflow(loaded_copy):
    svc = loaded_copy
    add_user(svc, "nau@canada.example.org", "nau", "CA", password=PASSWORD)
    add_user(svc, "nfp@canada.example.org", "nfp", "CA", password=PASSWORD)
    add_user(svc, "nfp@kenya.example.org", "nfp", "KE", password=PASSWORD)
    rows = _rows()["projects"]
    sample = [r for r in rows if r["transgenic"]][:3]
    changed = copy.deepcopy(sample)
    changed[0]["oecd"] = changed[0]["oecd"][:1] if len(changed[0]["oecd"]) > 1 else []
    changed[1]["date"] = "28/07/2005"  # not ISO: the row's error names column and field
    body = _csv(changed)
    files = {"file": ("register.csv", body, "text/csv")}
    form = {"mapping": _csv_mapping()}
    with client_for(svc) as client:
        url = "/api/v1/registers/preview"
        assert client.post(url, files=files, data=form).status_code == 401
        ke = bearer(client, "nfp@kenya.example.org")
        assert client.post(url, files=files, data=form, headers=ke).status_code == 403
        nau = bearer(client, "nau@canada.example.org")
        bad = client.post(url, files=files, data={"mapping": "[register]\nid = 1"}, headers=nau)
        assert bad.status_code == 400 and bad.json()["errors"][0]["path"].startswith("mapping.")
        r = client.post(url, files=files, data=form, headers=nau)
        assert r.status_code == 200, r.text
        report = r.json()
        statuses = [row["status"] for row in report["rows"]]
        assert statuses[1] == "invalid" and statuses[2] == "unchanged"
        err = report["rows"][1]["errors"][0]
        assert (err["row"], err["column"], err["path"]) == (3, "date", "date")
        assert "YYYY-MM-DD" in err["message"]
        expect = "changed" if sample[0]["oecd"] != changed[0]["oecd"] else "unchanged"
        assert statuses[0] == expect

        r = client.post("/api/v1/registers/import", files=files, data=form, headers=nau)
        assert r.status_code == 200, r.text
        done = r.json()["rows"][0]
        if expect == "changed":  # an authorized user's change is a publishing request
            assert done["result"] == "requested" and done["request"]
            again = client.post(url, files=files, data=form, headers=nau).json()
            assert again["rows"][0]["status"] == "pending"
            nfp = bearer(client, "nfp@canada.example.org")
            r = client.post("/api/v1/registers/import", files=files, data=form, headers=nfp)
            assert r.json()["rows"][0]["result"] == "published"
            after = client.post(url, files=files, data=form, headers=nfp).json()
            assert after["rows"][0]["status"] == "unchanged"
