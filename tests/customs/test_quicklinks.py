"""LMO quick-link labels: SVG and PNG with the UID, the trade name and a QR code of the LMO's
page; PDF sheets of labels for a set of LMOs and for a saved shipment check."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pypdf
import pytest
import segno
from fastapi.testclient import TestClient
from PIL import Image

from bch.api.app import create_app
from bch.config import public_url


@pytest.fixture(scope="module")
def client(loaded):
    with TestClient(create_app(loaded)) as c:
        yield c


def test_svg_label(client):
    r = client.get("/api/v1/lmos/MON-00810-6/quick-link.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(r.text)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[0] == "MON-ØØ81Ø-6" and "YieldGard" in texts[1]


def test_png_label_encodes_the_lmo_page(client):
    r = client.get("/api/v1/lmos/mon-øø81ø-6/quick-link.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content)).convert("L")
    assert img.size == (360, 448)
    # sample the centre of every module of the QR code and compare with the code of the URL
    qr = segno.make(f"{public_url()}/en/lmos/MON-%C3%98%C3%9881%C3%98-6", error="m")
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix) + 4  # with the 2-module border
    side, x0, y0 = 320, 20, 8
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            px = img.getpixel((x0 + (x + 2.5) * side / n, y0 + (y + 2.5) * side / n))
            assert (px < 128) == bool(dark), (x, y)


def test_unknown_lmo_is_404(client):
    assert client.get("/api/v1/lmos/ABC-12345-6/quick-link.png").status_code == 404
    assert client.get("/api/v1/lmos/not-a-uid/quick-link.svg").status_code == 404


def test_pdf_sheet_of_labels(client):
    uids = [
        "MON-ØØ81Ø-6",
        "MON-ØØ6Ø3-6",
        "DAS-Ø15Ø7-1",
        "SYN-IR162-4",
        "SYN-IR6Ø4-5",
        "MON-ØØØ21-9",
        "SYN-BTØ11-1",
        "MON-87427-7",
        "MON-87411-9",
        "MON-89Ø34-3",
        "MON-88Ø17-3",
        "DAS-59122-7",
        "DAS-4Ø278-9",
        "MON-89788-1",
        "MON-Ø4Ø32-6",
        "MON-89Ø34-3 x MON-88Ø17-3",
        "mon-00810-6",  # the same LMO again: one label
    ]
    r = client.get("/api/v1/customs/labels.pdf", params={"uids": ",".join(uids)})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 2  # 16 labels, 15 a page
    text = "".join(p.extract_text() for p in reader.pages)
    assert "MON-ØØ81Ø-6" in text and "MON-89Ø34-3 × MON-88Ø17-3" in text
    assert text.count("MON-ØØ81Ø-6") == 1 + text.count("MON-ØØ81Ø-6 ×")
    links = [
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots", [])
        if a.get_object().get("/A")
    ]
    assert len(links) == 16 and all(u.startswith(f"{public_url()}/en/lmos/") for u in links)
    bad = client.get("/api/v1/customs/labels.pdf", params={"uids": "MON-ØØ81Ø-6,ABC-12345-6"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["path"] == "uids[1]"


def test_labels_and_pdf_of_a_saved_check(loaded_copy):
    with TestClient(create_app(loaded_copy)) as c:
        text = "MON-ØØ81Ø-6\nYieldGard\nSYN-IR162-4 x MON-ØØ81Ø-6\nABC-12345-6\nMON-8901-3\n"
        r = c.post(
            "/api/v1/customs/check",
            json={"text": text, "destination": "CA", "uses": ["feed"], "save": True},
        )
        ident = r.json()["id"]
        labels = c.get(f"/api/v1/customs/checks/{ident}/labels.pdf")
        assert labels.status_code == 200
        text_of = pypdf.PdfReader(io.BytesIO(labels.content)).pages[0].extract_text()
        assert "MON-ØØ81Ø-6" in text_of and "ABC-12345-6" not in text_of
        whole = c.get(f"/api/v1/customs/checks/{ident}.pdf")
        assert whole.status_code == 200
        body = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(whole.content)).pages)
        for expected in ("AMBIGUOUS", "UNKNOWN IDENTIFIER", "MALFORMED", "Art. 18.2(a)"):
            assert expected in body
        assert c.get("/api/v1/customs/checks/nope.pdf").status_code == 404
