"""The site's frame: the favicon at the root, a main menu without empty registries."""

from __future__ import annotations


def test_favicon_is_served(web):
    r = web.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/vnd.microsoft.icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"  # an ICO directory
    assert 'rel="icon" href="/favicon.ico"' in web.get("/en/").text


def test_laboratories_are_not_in_the_menu_while_there_is_none(web, loaded):
    assert "laboratoryDetection" not in loaded.records.counts_by_schema()
    home = web.get("/fr/").text
    assert 'href="/fr/registries/lmos"' in home
    assert 'href="/fr/registries/laboratories"' not in home
    assert web.get("/fr/registries/laboratories").status_code == 200  # the page itself stays


def test_docs_page_is_swagger_ui_5_from_local_assets_under_the_csp(web):
    page = web.get("/docs")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    bundle = web.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith(
        "text/javascript"
    )
    assert "swagger-ui-bundle.js?v=5." in page.text
    licence = web.get("/docs/assets/LICENSE")
    assert licence.status_code == 200 and "Apache License" in licence.text
