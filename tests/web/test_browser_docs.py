"""The API documentation page in a real browser: Swagger UI 5 (local assets, under the site's
Content-Security-Policy) reads the OpenAPI 3.1 document and lists every operation."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient

from bch.api.app import create_app
from bch.services.container import Services
from tests.oai.live import live_server
from tests.web.browser import Walk, require_chromium

sync_api = require_chromium()
pytestmark = pytest.mark.xdist_group("browser-1")


def test_docs_page_lists_the_operations(tmp_path, _sqlite_template, chromium):
    shutil.copy(_sqlite_template, tmp_path / "bch.db")
    svc = Services.open(f"sqlite:///{tmp_path / 'bch.db'}")
    try:
        doc = TestClient(create_app(svc)).get("/openapi.json").json()
        assert doc["openapi"].startswith("3.1")
        operations = [
            (method.upper(), path) for path, item in doc["paths"].items() for method in item
        ]
        with live_server(svc) as base:
            w = Walk(chromium, base, "api-docs", csp=True)  # works under the site's own CSP
            w.goto("/docs")
            # every operation is in the page at once, none drawn only when scrolled into view
            # (Swagger UI >= 5.33 would draw only those in view past 150 tags and operations:
            # docs_init.js lists them all)
            w.page.wait_for_selector(f".opblock >> nth={len(operations) - 1}", timeout=60_000)
            assert w.page.locator(".operations-virtual").count() == 0
            assert "does not specify a valid version" not in w.page.content()
            assert w.page.locator(".opblock").count() == len(operations)
            paths = {
                t.strip().replace("\u200b", "")
                for t in w.page.locator(".opblock-summary-path").all_inner_texts()
            }
            assert {"/api/v1/records", "/api/v1/drafts/{identifier}", "/oai"} <= paths
            # an operation opened: its parameters and responses come from the 3.1 document
            records = w.page.locator(
                ".opblock-get:has(.opblock-summary-path[data-path='/api/v1/records'])"
            )
            records.locator(".opblock-summary").first.click()
            w.page.wait_for_selector(".opblock.is-open .responses-table")
            assert "cursor" in w.page.locator(".opblock.is-open .parameters").inner_text()
            w.shot("docs", fits_phone=False)  # Swagger UI's own layout
            w.close()
    finally:
        svc.close()
