"""The web page for national authorities (issue 12 item 5): upload the CFIA register with its
mapping, see the preview in French with the rows' problems, confirm; the focal point's confirmed
import publishes the one changed row, and nothing is stored before the confirmation."""

from __future__ import annotations

import copy
import html
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from bch.api.app import create_app
from tests.accounts.helpers import PASSWORD, add_user

CFIA = Path(__file__).resolve().parents[2] / "data/raw/cfia_pnt_and_bch_decisions_gmo_map"


def _hidden(page: str, name: str) -> str:
    m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert m, f"no hidden field {name}"
    return html.unescape(m.group(1))


def test_upload_preview_confirm(loaded_copy):
    svc = loaded_copy
    add_user(svc, "nfp@canada.example.org", "nfp", "CA", password=PASSWORD)
    data = json.loads((CFIA / "cfia_records.json").read_text(encoding="utf-8"))
    changed = copy.deepcopy(data)
    target = next(i for i, r in enumerate(changed["projects"]) if "J101" in r["name"])
    changed["projects"][target]["oecd"] = ["MON-00101-8"]
    body = json.dumps(changed).encode()
    with TestClient(create_app(svc), follow_redirects=False) as c:
        assert c.get("/fr/registers/import").status_code in (302, 303, 401)
        r = c.post("/fr/sign-in", data={"email": "nfp@canada.example.org", "password": PASSWORD,
                                        "next": "/fr/"})  # fmt: skip
        assert r.status_code == 303, r.text
        form = c.get("/fr/registers/import")
        assert form.status_code == 200 and "Importer un registre national" in form.text
        csrf = _hidden(form.text, "csrf")
        files = {"file": ("cfia_records.json", body, "application/json")}
        r = c.post("/fr/registers/import", files=files,
                   data={"csrf": csrf, "mapping": "ca_cfia", "action": "preview"})  # fmt: skip
        assert r.status_code == 200, r.text
        main = r.text[r.text.find("<main") :]
        assert 'data-row="19"' in r.text, (
            main[:3000] and "MON-0073-7" in r.text
        )  # the row's problem
        rows = main[main.find("<tbody") : main.find("</tbody>")]
        assert "Modifié" in rows, rows[:3000]
        assert "Confirmer l" in main
        decisions = svc.records.counts_by_schema()["biosafetyDecision"]
        row = f'data-row="{target + 1}"'
        assert row in r.text
        uid = re.search(rf"{row}>.*?(BCH-DEC-CA-\d+)-(\d+)", r.text, re.S)
        assert uid
        revision = int(uid.group(2))
        confirm = {k: _hidden(r.text, k) for k in ("mapping", "fileName", "fileData")}
        done = c.post("/fr/registers/import", files={"mappingFile": ("", b"")},
                      data={"csrf": csrf, "action": "import", **confirm})  # fmt: skip
        assert done.status_code == 200, done.text
        assert "Publié" in done.text
        view = svc.records.get(f"{uid.group(1)}")
        assert view.doc.latest_revision == revision + 1
        assert svc.records.counts_by_schema()["biosafetyDecision"] == decisions
