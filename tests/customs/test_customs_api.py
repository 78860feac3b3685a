"""POST /api/v1/customs/check over HTTP (JSON, multipart CSV and PDF), its 4xx answers naming the
field, saved checks shared by a link, the web page, `bch customs check`, and the verdicts that
Canada's real data cannot produce (conditions, prohibition), from labelled synthetic decisions."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from typer.testing import CliRunner

from bch.api.app import create_app
from bch.cli import app as cli_app
from bch.services.customs import CheckInput

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


def invoice_pdf(text: str, pages: int = 1) -> bytes:
    """A PDF with the invoice's lines as its text layer (fpdf2, core font: Latin-1 text)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=9)
    for _ in range(pages):
        pdf.add_page()
        for line in text.splitlines():
            pdf.cell(0, 5, line.replace("–", "-").replace("—", "-"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_json_body(client):
    text = (FIXTURES / "01_clean_maize.txt").read_text(encoding="utf-8")
    r = client.post("/api/v1/customs/check", json={"text": text, "destination": "ca"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["destination"] == "CA" and body["usesFrom"] == "document"
    assert [i["verdict"] for i in body["items"]] == ["approved"] * 4
    assert set(body) >= {"items", "documentation", "authority", "detection", "uses"}


def test_multipart_csv_upload(client):
    data = (FIXTURES / "09_invoice.csv").read_bytes()
    r = client.post(
        "/api/v1/customs/check",
        data={"destination": "CA", "uses": "feed,processing"},
        files={"file": ("invoice.csv", data, "text/csv")},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["format"] == "csv" and body["uses"] == ["feed", "processing"]
    assert [(i["line"], i["uid"]) for i in body["items"]] == [
        (2, "MON-Ø4Ø32-6"),
        (3, "MON-89788-1"),
        (4, "DP-3Ø5423-1"),
        (5, "DAS-444Ø6-6"),
    ]


def test_multipart_pdf_upload(client):
    text = (FIXTURES / "08_stacks.txt").read_text(encoding="utf-8")
    r = client.post(
        "/api/v1/customs/check",
        data={"destination": "CA"},
        files={"file": ("invoice.pdf", invoice_pdf(text), "application/pdf")},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["format"] == "pdf"
    verdicts = {i["line"]: i["verdict"] for i in body["items"]}
    assert verdicts == {
        3: "approved",
        4: "approved",
        5: "no_decision",
        6: "approved",
        7: "approved",
    }


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"text": "MON-ØØ81Ø-6", "destination": "XX", "uses": ["food"]}, "destination"),
        ({"text": "MON-ØØ81Ø-6", "destination": "CA", "uses": ["food", "eat"]}, "uses[1]"),
        ({"text": "MON-ØØ81Ø-6", "destination": "CA"}, "uses"),  # no use, no intended-use line
        ({"text": "   ", "destination": "CA", "uses": ["food"]}, "text"),
        ({"destination": "CA", "uses": ["food"]}, "text"),
        ({"text": "x", "uses": ["food"]}, "destination"),
        ({"text": "x", "destination": "CA", "uses": 3}, "uses"),
        ({"text": "x", "destination": "CA", "uses": [1]}, "uses[0]"),
        ({"text": "x", "destination": "CA", "format": "pdf", "uses": ["food"]}, "format"),
        ({"text": "x", "destination": "CA", "save": "yes", "uses": ["food"]}, "save"),
        ({"text": "x", "destination": "CA", "colour": "red"}, "colour"),
        ([1, 2], ""),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, body, path):
    r = client.post("/api/v1/customs/check", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["path"] == path


def test_bad_uploads(client):
    r = client.post(
        "/api/v1/customs/check",
        data={"destination": "CA", "uses": "food"},
        files={"file": ("x.pdf", b"%PDF-1.7 this is not a PDF", "application/pdf")},
    )
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "file"
    r = client.post(
        "/api/v1/customs/check",
        data={"destination": "CA", "uses": "food"},
        files={"file": ("x.bin", b"\x00\x01\x02binary", "application/octet-stream")},
    )
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "file"
    r = client.post(
        "/api/v1/customs/check", content=b"MON810", headers={"content-type": "text/plain"}
    )
    assert r.status_code == 415


def test_saved_check_is_shared_by_its_link(loaded_copy):
    with TestClient(create_app(loaded_copy)) as c:
        text = (FIXTURES / "03_wrong_identifiers.txt").read_text(encoding="utf-8")
        r = c.post("/api/v1/customs/check", json={"text": text, "destination": "CA", "save": True})
        assert r.status_code == 200, r.text
        link = r.json()["link"]
        saved = c.get(link)
        assert saved.status_code == 200
        assert saved.json()["items"] == r.json()["items"] and saved.json()["savedAt"]
        page = c.get(f"/fr/customs/checks/{r.json()['id']}")
        assert page.status_code == 200 and "MON-ØØ81Ø-7" in page.text
        assert c.get("/api/v1/customs/checks/nothing-here").status_code == 404
        form = c.post(
            "/en/customs",
            data={"text": text, "destination": "CA", "save": "true"},
            files={"file": ("", b"", "application/octet-stream")},
            follow_redirects=False,
        )
        assert form.status_code == 303 and form.headers["location"].startswith("/en/customs/")


def test_web_form_shows_the_result(client):
    text = (FIXTURES / "05_ambiguous_trade_names.txt").read_text(encoding="utf-8")
    r = client.post(
        "/es/customs",
        data={"text": text, "destination": "CA", "uses": ["feed"]},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert r.status_code == 200
    assert r.text.count('class="verdict-ambiguous"') == 4
    assert "@media print" not in r.text  # the print stylesheet lives in bch.css
    bad = client.post(
        "/en/customs",
        data={"text": "MON-ØØ81Ø-6", "destination": "CA"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert bad.status_code == 400 and 'id="check-error"' in bad.text


def test_cli(loaded, tmp_path):
    path = tmp_path / "invoice.txt"
    path.write_bytes((FIXTURES / "11_purple_tomato_feed.txt").read_bytes())
    url = loaded.engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(
        cli_app, ["customs", "check", str(path), "--to", "CA", "--database", url]
    )
    assert out.exit_code == 2, out.output  # an item is not approved
    assert "no_decision" in out.output and "NPS-Ø12Ø1-8" in out.output
    ok = CliRunner().invoke(
        cli_app,
        ["customs", "check", str(path), "--to", "CA", "--use", "food", "--database", url],
    )
    assert ok.exit_code == 0, ok.output
    bad = CliRunner().invoke(
        cli_app, ["customs", "check", str(path), "--to", "CA", "--use", "eat", "--database", url]
    )
    assert bad.exit_code == 1 and "uses[0]" in bad.output


def _synthetic(svc, real_id: str, result: str, date: str, **extra) -> None:
    """A decision generated from a real Canadian decision, labelled synthetic, published in a
    throwaway copy of the data: the real data has no conditions and no prohibitions."""
    real = svc.records.get(real_id).document
    doc = copy.deepcopy(real)
    doc["header"] = {**doc["header"], "identifier": f"synthetic-{result}-{real_id}"}
    doc["title"] = {"en": f"SYNTHETIC TEST RECORD, not a real decision ({result})"}
    doc["date"] = date
    term = next(t for t in svc.thesaurus.domain("DecisionResults").terms if t.code == result)
    doc["decisionResult"] = {"identifier": term.identifier}
    doc.update(extra)
    svc.records.publish(doc)


def test_conditions_and_prohibitions(loaded_copy):
    svc = loaded_copy
    text = "MON-87411-9\nMON-87427-7\n"
    before = svc.customs.check(CheckInput("CA", ["feed", "food"], text=text))
    feed_411 = next(d["id"] for d in before["items"][0]["decisions"] if "feed" in d["scopes"])
    feed_427 = next(d["id"] for d in before["items"][1]["decisions"] if "feed" in d["scopes"])
    _synthetic(
        svc,
        feed_411,
        "approvalWithConditions",
        "2030-01-01",
        conditions={"en": "SYNTHETIC: identity preservation until the mill"},
    )
    _synthetic(svc, feed_427, "prohibition", "2030-01-02")
    after = svc.customs.check(CheckInput("CA", ["feed", "food"], text=text))
    first, second = after["items"]
    assert first["verdict"] == "approved_with_conditions"
    assert first["conditions"] == ["SYNTHETIC: identity preservation until the mill"]
    assert second["verdict"] == "prohibited"
    # food is still approved by the real decisions: only the uses the newer ones cover change
    assert svc.customs.check(CheckInput("CA", ["food"], text=text))["summary"] == {"approved": 2}


def test_pdf_text_is_read_page_after_page():
    from bch.services.customs_extract import pdf_text

    text = pdf_text(invoice_pdf("MON-ØØ81Ø-6 maize\nline two", pages=3))
    assert text.count("MON-ØØ81Ø-6 maize") == 3 and io.StringIO(text).readline().strip()
